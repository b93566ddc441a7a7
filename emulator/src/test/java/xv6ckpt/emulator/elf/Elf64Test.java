package xv6ckpt.emulator.elf;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.elf.Elf64.Executable;
import xv6ckpt.emulator.elf.Elf64.ProgramHeader;
import xv6ckpt.emulator.pk.BundledPrograms;

/**
 * The ELF reader against a binary made by the cross compiler (facts checked with
 * riscv64-unknown-elf-readelf: entry 0, two PT_LOAD segments, text at 0 and data at 0x1000) and
 * against every way of breaking a field a loader relies on.
 */
class Elf64Test {
  private static final long LIMIT = 1L << 38;

  private static byte[] demo() {
    return BundledPrograms.load("demo").orElseThrow();
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void readsTheCrossCompiledDemo() throws ElfException {
    Executable exe = Elf64.parse(demo(), LIMIT);
    assertThat(exe.header().entry()).isEqualTo(0);
    assertThat(exe.header().machine()).isEqualTo(Elf64.EM_RISCV);
    assertThat(exe.loadSegments()).hasSize(2);
    ProgramHeader text = exe.loadSegments().get(0);
    ProgramHeader data = exe.loadSegments().get(1);
    assertThat(text.vaddr()).isEqualTo(0);
    assertThat(text.flags() & Elf64.PF_X).isNotEqualTo(0);
    assertThat(data.vaddr()).isEqualTo(0x1000);
    assertThat(data.flags() & Elf64.PF_W).isNotEqualTo(0);
    // The sieve's 2,000,000-byte array is bss: in memory, not in the file.
    assertThat(data.memsz() - data.filesz()).isAtLeast(2_000_000L);
  }

  @Test
  void rejectsAShortFile() {
    byte[] truncated = java.util.Arrays.copyOf(demo(), 40);
    ElfException e = assertThrows(ElfException.class, () -> Elf64.parse(truncated, LIMIT));
    assertThat(e).hasMessageThat().contains("shorter than an ELF64 header");
  }

  @Test
  void rejectsBadMagicClassAndMachine() {
    byte[] b = demo();
    b[1] = 'X';
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(b, LIMIT)))
        .hasMessageThat()
        .contains("bad magic");
    byte[] c = demo();
    c[4] = 1; // ELFCLASS32
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(c, LIMIT)))
        .hasMessageThat()
        .contains("not a 64-bit");
    byte[] m = demo();
    le(m).putShort(18, (short) 62); // x86-64
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(m, LIMIT)))
        .hasMessageThat()
        .contains("e_machine 62");
  }

  @Test
  void rejectsProgramHeadersOutsideTheFile() {
    byte[] b = demo();
    le(b).putLong(32, b.length - 10); // e_phoff
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(b, LIMIT)))
        .hasMessageThat()
        .contains("run past the end");
  }

  @Test
  void rejectsMemszBelowFilesz() {
    byte[] b = demo();
    int ph = (int) le(b).getLong(32);
    le(b).putLong(ph + 40, le(b).getLong(ph + 32) - 1);
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(b, LIMIT)))
        .hasMessageThat()
        .contains("p_memsz");
  }

  @Test
  void rejectsSegmentBytesPastTheFile() {
    byte[] b = demo();
    int ph = (int) le(b).getLong(32);
    le(b).putLong(ph + 8, b.length); // p_offset at the very end, with p_filesz > 0
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(b, LIMIT)))
        .hasMessageThat()
        .contains("file bytes");
  }

  @Test
  void rejectsAddressOverflowAndAddressesPastTheLimit() {
    byte[] b = demo();
    int ph = (int) le(b).getLong(32);
    le(b).putLong(ph + 16, -4096L); // vaddr + memsz wraps
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(b, LIMIT)))
        .hasMessageThat()
        .contains("overflow");
    byte[] c = demo();
    le(c).putLong(ph + 16, LIMIT - 16);
    assertThat(assertThrows(ElfException.class, () -> Elf64.parse(c, LIMIT)))
        .hasMessageThat()
        .contains("user limit");
  }
}
