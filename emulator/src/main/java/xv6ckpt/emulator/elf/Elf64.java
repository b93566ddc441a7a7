package xv6ckpt.emulator.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the parts of a little-endian ELF64 RISC-V executable that a loader needs: the file header
 * and the program headers. Sections and symbols are never needed to run a program.
 *
 * <p>Every rule is checked before a field is trusted, and a broken rule is reported as an {@link
 * ElfException} naming the field, so a loader never allocates from, or reads at, an unchecked
 * number. The rules are those of xv6's exec (magic, program headers inside the file, memsz &ge;
 * filesz, no address overflow) plus what a 64-bit RISC-V executable must say of itself. The e_flags
 * word (RVC, float ABI) is accepted whatever it holds: stock xv6 binaries declare the double-float
 * ABI though they contain no floating-point instruction.
 */
public final class Elf64 {
  public static final int EHDR_SIZE = 64;
  public static final int PHDR_SIZE = 56;
  public static final int ELF_MAGIC = 0x464C457F; // "\x7FELF" read little-endian, as xv6 does
  public static final int ELFCLASS64 = 2;
  public static final int ELFDATA2LSB = 1;
  public static final int ET_EXEC = 2;
  public static final int EM_RISCV = 243;
  public static final int PT_LOAD = 1;
  public static final int PF_X = 1;
  public static final int PF_W = 2;
  public static final int PF_R = 4;

  private Elf64() {}

  /** The file header fields a loader uses. */
  public record Header(
      int type, int machine, long entry, long phoff, int phentsize, int phnum, int flags) {}

  /** One program header. */
  public record ProgramHeader(
      int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) {
    public boolean isLoad() {
      return type == PT_LOAD;
    }

    /** One past the last virtual address the segment occupies. */
    public long vend() {
      return vaddr + memsz;
    }
  }

  /** A parsed executable: its header, its program headers, and the file they index into. */
  public record Executable(Header header, List<ProgramHeader> programHeaders, byte[] image) {
    public List<ProgramHeader> loadSegments() {
      return programHeaders.stream().filter(ProgramHeader::isLoad).toList();
    }
  }

  /** A rule of the format that the bytes break. */
  public static final class ElfException extends Exception {
    public ElfException(String message) {
      super(message);
    }
  }

  /** Parses the 64-byte file header at the start of {@code b}; checks identity, not segments. */
  public static Header parseHeader(byte[] b) throws ElfException {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    if (b.length < 4 || bb.getInt(0) != ELF_MAGIC) {
      throw new ElfException("not an ELF file (bad magic)");
    }
    if (b.length < EHDR_SIZE) {
      throw new ElfException("file is " + b.length + " bytes, shorter than an ELF64 header (64)");
    }
    if (b[4] != ELFCLASS64) {
      throw new ElfException("not a 64-bit ELF file (EI_CLASS " + b[4] + ")");
    }
    if (b[5] != ELFDATA2LSB) {
      throw new ElfException("not a little-endian ELF file (EI_DATA " + b[5] + ")");
    }
    Header h =
        new Header(
            Short.toUnsignedInt(bb.getShort(16)),
            Short.toUnsignedInt(bb.getShort(18)),
            bb.getLong(24),
            bb.getLong(32),
            Short.toUnsignedInt(bb.getShort(54)),
            Short.toUnsignedInt(bb.getShort(56)),
            bb.getInt(48));
    if (h.machine() != EM_RISCV) {
      throw new ElfException("not a RISC-V executable (e_machine " + h.machine() + ", want 243)");
    }
    if (h.type() != ET_EXEC) {
      throw new ElfException("not a static executable (e_type " + h.type() + ", want ET_EXEC 2)");
    }
    return h;
  }

  /** Parses a 56-byte program header at {@code off}; the caller has checked the bounds. */
  public static ProgramHeader parseProgramHeader(byte[] b, int off) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    return new ProgramHeader(
        bb.getInt(off),
        bb.getInt(off + 4),
        bb.getLong(off + 8),
        bb.getLong(off + 16),
        bb.getLong(off + 32),
        bb.getLong(off + 40),
        bb.getLong(off + 48));
  }

  /**
   * Parses a whole executable and checks every loadable segment: inside the file, memsz &ge;
   * filesz, and its addresses below {@code addressLimit} without overflow.
   */
  public static Executable parse(byte[] b, long addressLimit) throws ElfException {
    Header h = parseHeader(b);
    if (h.phnum() > 0 && h.phentsize() != PHDR_SIZE) {
      throw new ElfException("e_phentsize is " + h.phentsize() + ", want 56");
    }
    long phEnd = h.phoff() + (long) h.phnum() * PHDR_SIZE;
    if (h.phoff() < 0 || phEnd > b.length) {
      throw new ElfException(
          "program headers (offset "
              + h.phoff()
              + ", "
              + h.phnum()
              + " entries) run past the end of the "
              + b.length
              + "-byte file");
    }
    List<ProgramHeader> phs = new ArrayList<>();
    for (int i = 0; i < h.phnum(); i++) {
      ProgramHeader ph = parseProgramHeader(b, (int) h.phoff() + i * PHDR_SIZE);
      if (ph.isLoad()) {
        checkSegment(i, ph, b.length, addressLimit);
      }
      phs.add(ph);
    }
    if (phs.stream().noneMatch(ProgramHeader::isLoad)) {
      throw new ElfException("no loadable (PT_LOAD) segment");
    }
    return new Executable(h, List.copyOf(phs), b);
  }

  private static void checkSegment(int i, ProgramHeader ph, long fileLength, long addressLimit)
      throws ElfException {
    String name = "segment " + i;
    if (Long.compareUnsigned(ph.memsz(), ph.filesz()) < 0) {
      throw new ElfException(name + ": p_memsz " + ph.memsz() + " < p_filesz " + ph.filesz());
    }
    if (ph.offset() < 0
        || ph.filesz() < 0
        || ph.offset() + ph.filesz() > fileLength
        || ph.offset() + ph.filesz() < 0) {
      throw new ElfException(
          name
              + ": file bytes ["
              + ph.offset()
              + ", +"
              + ph.filesz()
              + ") run past the end of the "
              + fileLength
              + "-byte file");
    }
    long end = ph.vaddr() + ph.memsz();
    if (ph.vaddr() < 0 || ph.memsz() < 0 || end < ph.vaddr() || end > addressLimit) {
      throw new ElfException(
          String.format(
              "%s: addresses [0x%x, +0x%x) overflow or reach past the user limit 0x%x",
              name, ph.vaddr(), ph.memsz(), addressLimit));
    }
  }
}
