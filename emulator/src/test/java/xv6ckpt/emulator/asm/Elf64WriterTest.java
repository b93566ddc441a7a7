package xv6ckpt.emulator.asm;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.asm.Reg.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * ELF files read back field by field. The field values expected here are the ELF64 and RISC-V psABI
 * constants (EM_RISCV = 243, ET_EXEC = 2, PT_LOAD = 1, EF_RISCV_RVC = 1, soft-float ABI = 0); while
 * writing this test a sample was also checked with {@code riscv64-unknown-elf-readelf -h -l} (Class
 * ELF64, Machine RISC-V, Flags 0x1 "RVC, soft-float ABI", two LOAD headers).
 */
class Elf64WriterTest {

  /** The header and program-header fields of an ELF64 little-endian file. */
  private record Header(ByteBuffer b) {
    static Header of(byte[] elf) {
      return new Header(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
    }

    int type() {
      return b.getShort(16);
    }

    int machine() {
      return b.getShort(18);
    }

    int version() {
      return b.getInt(20);
    }

    long entry() {
      return b.getLong(24);
    }

    long phoff() {
      return b.getLong(32);
    }

    long shoff() {
      return b.getLong(40);
    }

    int flags() {
      return b.getInt(48);
    }

    int ehsize() {
      return b.getShort(52);
    }

    int phentsize() {
      return b.getShort(54);
    }

    int phnum() {
      return b.getShort(56);
    }

    int shentsize() {
      return b.getShort(58);
    }

    int shnum() {
      return b.getShort(60);
    }

    int shstrndx() {
      return b.getShort(62);
    }

    int ph(int k) {
      return (int) phoff() + k * 56;
    }

    int pType(int k) {
      return b.getInt(ph(k));
    }

    int pFlags(int k) {
      return b.getInt(ph(k) + 4);
    }

    long pOffset(int k) {
      return b.getLong(ph(k) + 8);
    }

    long pVaddr(int k) {
      return b.getLong(ph(k) + 16);
    }

    long pPaddr(int k) {
      return b.getLong(ph(k) + 24);
    }

    long pFilesz(int k) {
      return b.getLong(ph(k) + 32);
    }

    long pMemsz(int k) {
      return b.getLong(ph(k) + 40);
    }

    long pAlign(int k) {
      return b.getLong(ph(k) + 48);
    }

    byte[] segmentBytes(int k) {
      int off = (int) pOffset(k);
      return Arrays.copyOfRange(b.array(), off, off + (int) pFilesz(k));
    }

    /** The name of section k, looked up in the section-name string table. */
    String sectionName(int k) {
      int sh = (int) shoff() + k * 64;
      int strtab = (int) shoff() + shstrndx() * 64;
      int start = (int) b.getLong(strtab + 24) + b.getInt(sh);
      int end = start;
      while (b.get(end) != 0) {
        end++;
      }
      return new String(b.array(), start, end - start, StandardCharsets.US_ASCII);
    }
  }

  @Test
  void identAndHeaderFieldsAreThoseOfAStaticRiscv64Executable() {
    byte[] code = new Assembler(0).li(A0, 0).li(A7, 2).ecall().assemble();
    byte[] elf =
        new Elf64Writer().segment(0, code, Elf64Writer.PF_R | Elf64Writer.PF_X).entry(0).write();
    assertThat(Arrays.copyOf(elf, 16))
        .isEqualTo(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    Header h = Header.of(elf);
    assertThat(h.type()).isEqualTo(2);
    assertThat(h.machine()).isEqualTo(243);
    assertThat(h.version()).isEqualTo(1);
    assertThat(h.entry()).isEqualTo(0);
    assertThat(h.phoff()).isEqualTo(64);
    assertThat(h.flags()).isEqualTo(0x1);
    assertThat(h.ehsize()).isEqualTo(64);
    assertThat(h.phentsize()).isEqualTo(56);
    assertThat(h.phnum()).isEqualTo(1);
    assertThat(h.shentsize()).isEqualTo(64);
    assertThat(h.pType(0)).isEqualTo(1);
    assertThat(h.pFlags(0)).isEqualTo(5);
    assertThat(h.pVaddr(0)).isEqualTo(0);
    assertThat(h.pPaddr(0)).isEqualTo(0);
    assertThat(h.pFilesz(0)).isEqualTo(code.length);
    assertThat(h.pMemsz(0)).isEqualTo(code.length);
    assertThat(h.pAlign(0)).isEqualTo(4096);
    assertThat(h.pOffset(0) % 4096).isEqualTo(0);
    assertThat(h.pOffset(0)).isAtLeast(64 + 56);
    assertThat(h.segmentBytes(0)).isEqualTo(code);
    assertThat(h.sectionName(1)).isEqualTo(".text");
    assertThat(h.sectionName(h.shstrndx())).isEqualTo(".shstrtab");
  }

  @Test
  void rvcFlagCanBeCleared() {
    byte[] elf =
        new Elf64Writer().rvc(false).segment(0, new byte[4], Elf64Writer.PF_X).entry(0).write();
    assertThat(Header.of(elf).flags()).isEqualTo(0);
  }

  @Test
  void textAndDataSegmentsAtTheRiscvTestsAddress() {
    Assembler a = new Assembler(0x8000_0000L);
    a.label("_start")
        .la(A0, "data")
        .ld(A1, 0, A0)
        .ecall()
        .align(4096)
        .label("data")
        .dword(0x1122334455667788L);
    byte[] elf = a.toElf("_start", "data");
    Header h = Header.of(elf);
    byte[] all = a.assemble();
    assertThat(h.entry()).isEqualTo(0x8000_0000L);
    assertThat(h.phnum()).isEqualTo(2);
    assertThat(h.pFlags(0)).isEqualTo(Elf64Writer.PF_R | Elf64Writer.PF_X);
    assertThat(h.pVaddr(0)).isEqualTo(0x8000_0000L);
    assertThat(h.pFilesz(0)).isEqualTo(4096);
    assertThat(h.segmentBytes(0)).isEqualTo(Arrays.copyOf(all, 4096));
    assertThat(h.pFlags(1)).isEqualTo(Elf64Writer.PF_R | Elf64Writer.PF_W);
    assertThat(h.pVaddr(1)).isEqualTo(0x8000_1000L);
    assertThat(h.pFilesz(1)).isEqualTo(8);
    assertThat(h.segmentBytes(1)).isEqualTo(Arrays.copyOfRange(all, 4096, 4104));
    for (int k = 0; k < 2; k++) {
      assertThat(h.pOffset(k) % 4096).isEqualTo(h.pVaddr(k) % 4096);
    }
    assertThat(h.sectionName(2)).isEqualTo(".data");
  }

  @Test
  void unalignedVaddrGetsACongruentFileOffset() {
    byte[] elf =
        new Elf64Writer()
            .segment(0x1234, new byte[] {1, 2}, Elf64Writer.PF_X)
            .entry(0x1234)
            .write();
    Header h = Header.of(elf);
    assertThat(h.pOffset(0) % 4096).isEqualTo(0x234);
    assertThat(h.segmentBytes(0)).isEqualTo(new byte[] {1, 2});
  }

  @Test
  void bssIsMemoryBeyondTheFileBytes() {
    byte[] elf =
        new Elf64Writer()
            .segment(0, new byte[8], Elf64Writer.PF_R | Elf64Writer.PF_X)
            .segment(0x1000, new byte[] {9}, 0x3000, Elf64Writer.PF_R | Elf64Writer.PF_W)
            .entry(4)
            .write();
    Header h = Header.of(elf);
    assertThat(h.pFilesz(1)).isEqualTo(1);
    assertThat(h.pMemsz(1)).isEqualTo(0x3000);
    assertThat(h.entry()).isEqualTo(4);
  }

  @Test
  void toElfWithoutArgumentsEntersAtTheOrigin() {
    Assembler a = new Assembler(0x2000);
    a.nop().label("main").ecall();
    assertThat(Header.of(a.toElf()).entry()).isEqualTo(0x2000);
    assertThat(Header.of(a.toElf("main")).entry()).isEqualTo(0x2004);
  }

  @Test
  void refusals() {
    byte[] four = new byte[4];
    assertMessage(() -> new Elf64Writer().entry(0).write(), "at least one segment");
    assertMessage(
        () -> new Elf64Writer().segment(0, four, Elf64Writer.PF_X).write(), "entry point not set");
    assertMessage(
        () -> new Elf64Writer().segment(0, four, Elf64Writer.PF_R).entry(0).write(),
        "executable segment");
    assertMessage(
        () -> new Elf64Writer().segment(0, four, Elf64Writer.PF_X).entry(4).write(), "entry 0x4");
    assertMessage(() -> new Elf64Writer().segment(0, four, 8).entry(0).write(), "flags 8");
    assertMessage(
        () -> new Elf64Writer().segment(0, four, 2, Elf64Writer.PF_X).entry(0).write(), "memsz 2");
    assertMessage(
        () ->
            new Elf64Writer()
                .segment(0, four, 0x2000, Elf64Writer.PF_X)
                .segment(0x1000, four, Elf64Writer.PF_W)
                .entry(0)
                .write(),
        "overlap");
    assertMessage(
        () -> new Elf64Writer().segment(-8, four, 16, Elf64Writer.PF_X).entry(-8).write(), "wraps");
    Assembler a = new Assembler(0);
    a.nop().label("data").dword(0);
    assertMessage(() -> a.toElf("data", "data"), "not page aligned");
  }

  private static void assertMessage(Runnable r, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertThat(e).hasMessageThat().contains(fragment);
  }
}
