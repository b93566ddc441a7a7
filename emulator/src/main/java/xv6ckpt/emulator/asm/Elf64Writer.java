package xv6ckpt.emulator.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a static RISC-V ELF64 executable (little-endian, ET_EXEC, EM_RISCV, e_flags RVC with the
 * soft-float ABI) from PT_LOAD segments and an entry point. Builder use: {@code new
 * Elf64Writer().segment(0x0, text, PF_R | PF_X).entry(0x0).write()}.
 *
 * <p>File layout: ELF header, program headers, each segment's bytes at a file offset congruent to
 * its vaddr modulo the page size (so a loader may map it), then a section table naming each segment
 * (.text / .data / .rodata), then, if symbols were added ({@link #symbol}), .symtab and .strtab,
 * and last .shstrtab. Sections are for tools (objdump, coverage reports); loaders never read them.
 *
 * <p>Rules, each an {@link IllegalArgumentException} from {@link #write()} naming the segment: at
 * least one segment; flags a nonempty subset of PF_R|PF_W|PF_X; memsz >= filesz; no vaddr range
 * wraps past 2^64 or overlaps another segment's range; the entry lies inside an executable
 * segment's file bytes. xv6's exec additionally wants page-aligned vaddrs, which the writer allows
 * but does not require (riscv-tests style layouts need not be).
 */
public final class Elf64Writer {
  public static final int PF_X = 1, PF_W = 2, PF_R = 4;
  public static final long PAGE_SIZE = 4096;

  static final int ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1;
  static final int ET_EXEC = 2, EM_RISCV = 243;
  static final int EF_RISCV_RVC = 0x1, EF_RISCV_FLOAT_ABI_SOFT = 0x0;
  static final int PT_LOAD = 1;
  static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3;
  public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
  static final int STB_GLOBAL = 1, SHN_ABS = 0xfff1, SYM_SIZE = 24;
  static final long SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
  static final int EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64;

  /** One PT_LOAD segment: {@code bytes} at {@code vaddr}, zero-filled up to {@code memSize}. */
  public record Segment(long vaddr, byte[] bytes, long memSize, int flags) {}

  /** One symbol table entry: a global {@code name} of {@code type} (STT_*) at value. */
  public record Symbol(String name, long value, long size, int type) {}

  private final List<Segment> segments = new ArrayList<>();
  private final List<Symbol> symbols = new ArrayList<>();
  private long entry;
  private boolean entrySet;
  private int eflags = EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_SOFT;

  /** Adds a segment whose memory size equals its file size. */
  public Elf64Writer segment(long vaddr, byte[] bytes, int flags) {
    return segment(vaddr, bytes, bytes.length, flags);
  }

  /** Adds a segment; memory beyond the file bytes (up to memSize) is zero (a .bss). */
  public Elf64Writer segment(long vaddr, byte[] bytes, long memSize, int flags) {
    if (bytes == null) {
      throw new IllegalArgumentException(
          "segment at 0x" + Long.toHexString(vaddr) + ": bytes must not be null");
    }
    segments.add(new Segment(vaddr, bytes.clone(), memSize, flags));
    return this;
  }

  /**
   * Adds a global symbol; its st_shndx is the section of the segment whose memory holds {@code
   * value} (SHN_ABS if none). {@code type} is STT_FUNC, STT_OBJECT or STT_NOTYPE.
   */
  public Elf64Writer symbol(String name, long value, long size, int type) {
    if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("symbol name '" + name + "' must be nonempty, no NUL");
    }
    if (type != STT_NOTYPE && type != STT_OBJECT && type != STT_FUNC) {
      throw new IllegalArgumentException("symbol " + name + ": type " + type + " is not STT_*");
    }
    symbols.add(new Symbol(name, value, size, type));
    return this;
  }

  /** Sets the entry point (e_entry). */
  public Elf64Writer entry(long address) {
    this.entry = address;
    this.entrySet = true;
    return this;
  }

  /** Sets whether e_flags announces compressed instructions (EF_RISCV_RVC); on by default. */
  public Elf64Writer rvc(boolean on) {
    eflags = on ? eflags | EF_RISCV_RVC : eflags & ~EF_RISCV_RVC;
    return this;
  }

  /** The ELF file's bytes. */
  public byte[] write() {
    validate();
    int n = segments.size();
    long[] offsets = new long[n];
    long cursor = EHDR_SIZE + (long) PHDR_SIZE * n;
    for (int k = 0; k < n; k++) {
      Segment s = segments.get(k);
      cursor += Math.floorMod(s.vaddr() - cursor, PAGE_SIZE);
      offsets[k] = cursor;
      cursor += s.bytes().length;
    }
    byte[] strtab = symbolNames();
    byte[] symtab = symbolEntries();
    long symtabOffset = align8(cursor);
    long strtabOffset = symtabOffset + symtab.length;
    byte[] names = sectionNames();
    long namesOffset = strtabOffset + strtab.length;
    long shoff = align8(namesOffset + names.length);
    // null section, one per segment, .symtab and .strtab if any symbols, .shstrtab
    int shnum = n + 2 + (symbols.isEmpty() ? 0 : 2);
    long total = shoff + (long) SHDR_SIZE * shnum;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("ELF image of " + total + " bytes is too large");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    writeHeader(out, n, shoff, shnum);
    for (int k = 0; k < n; k++) {
      writeProgramHeader(out, segments.get(k), offsets[k]);
    }
    for (int k = 0; k < n; k++) {
      out.put((int) offsets[k], segments.get(k).bytes());
    }
    out.put((int) symtabOffset, symtab);
    out.put((int) strtabOffset, strtab);
    out.put((int) namesOffset, names);
    writeSectionHeaders(out, shoff, offsets, namesOffset, names.length);
    if (!symbols.isEmpty()) {
      int nameIndex = names.length - ".symtab\0.strtab\0.shstrtab\0".length();
      writeSectionHeader(
          out, nameIndex, SHT_SYMTAB, 0, 0, symtabOffset, symtab.length, 8, n + 2, 1, SYM_SIZE);
      writeSectionHeader(
          out, nameIndex + 8, SHT_STRTAB, 0, 0, strtabOffset, strtab.length, 1, 0, 0, 0);
    }
    writeSectionHeader(
        out,
        names.length - ".shstrtab\0".length(),
        SHT_STRTAB,
        0,
        0,
        namesOffset,
        names.length,
        1,
        0,
        0,
        0);
    return out.array();
  }

  private void validate() {
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("ELF needs at least one segment");
    }
    if (!entrySet) {
      throw new IllegalArgumentException("ELF entry point not set; call entry(address)");
    }
    for (Segment s : segments) {
      validateSegment(s);
    }
    checkOverlaps();
    checkEntry();
  }

  private static void validateSegment(Segment s) {
    String where = "segment at 0x" + Long.toHexString(s.vaddr());
    if (s.flags() < 1 || s.flags() > (PF_R | PF_W | PF_X)) {
      throw new IllegalArgumentException(
          where + ": flags " + s.flags() + " are not a nonempty set of PF_R|PF_W|PF_X");
    }
    if (s.memSize() < s.bytes().length) {
      throw new IllegalArgumentException(
          where + ": memsz " + s.memSize() + " is smaller than filesz " + s.bytes().length);
    }
    if (s.memSize() > 0 && Long.compareUnsigned(s.vaddr() + s.memSize() - 1, s.vaddr()) < 0) {
      throw new IllegalArgumentException(
          where + ": memsz " + s.memSize() + " wraps past the top of the address space");
    }
  }

  private void checkOverlaps() {
    List<Segment> sorted = new ArrayList<>(segments);
    sorted.sort(Comparator.comparing(Segment::vaddr, Long::compareUnsigned));
    for (int k = 1; k < sorted.size(); k++) {
      Segment a = sorted.get(k - 1);
      Segment b = sorted.get(k);
      if (a.memSize() > 0 && Long.compareUnsigned(a.vaddr() + a.memSize() - 1, b.vaddr()) >= 0) {
        throw new IllegalArgumentException(
            "segments at 0x"
                + Long.toHexString(a.vaddr())
                + " and 0x"
                + Long.toHexString(b.vaddr())
                + " overlap");
      }
    }
  }

  private void checkEntry() {
    for (Segment s : segments) {
      long rel = entry - s.vaddr();
      if ((s.flags() & PF_X) != 0 && Long.compareUnsigned(rel, s.bytes().length) < 0) {
        return;
      }
    }
    throw new IllegalArgumentException(
        "entry 0x"
            + Long.toHexString(entry)
            + " is not inside the file bytes of an executable segment");
  }

  private void writeHeader(ByteBuffer out, int phnum, long shoff, int shnum) {
    out.put(new byte[] {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT, 0});
    out.put(new byte[8]); // EI_ABIVERSION and padding
    out.putShort((short) ET_EXEC);
    out.putShort((short) EM_RISCV);
    out.putInt(EV_CURRENT);
    out.putLong(entry);
    out.putLong(EHDR_SIZE); // e_phoff: program headers follow the ELF header
    out.putLong(shoff);
    out.putInt(eflags);
    out.putShort((short) EHDR_SIZE);
    out.putShort((short) PHDR_SIZE);
    out.putShort((short) phnum);
    out.putShort((short) SHDR_SIZE);
    out.putShort((short) shnum);
    out.putShort((short) (shnum - 1)); // e_shstrndx: .shstrtab is the last section
  }

  private static void writeProgramHeader(ByteBuffer out, Segment s, long offset) {
    out.putInt(PT_LOAD);
    out.putInt(s.flags());
    out.putLong(offset);
    out.putLong(s.vaddr());
    out.putLong(s.vaddr()); // p_paddr = p_vaddr, as GNU ld writes for static executables
    out.putLong(s.bytes().length);
    out.putLong(s.memSize());
    out.putLong(PAGE_SIZE);
  }

  /** ".shstrtab" contents: "\0", then one name per segment, then ".shstrtab". */
  private byte[] sectionNames() {
    StringBuilder sb = new StringBuilder("\0");
    for (int k = 0; k < segments.size(); k++) {
      sb.append(sectionName(k)).append('\0');
    }
    if (!symbols.isEmpty()) {
      sb.append(".symtab\0.strtab\0");
    }
    sb.append(".shstrtab\0");
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** .strtab: "\0" then each symbol's name; empty without symbols. */
  private byte[] symbolNames() {
    if (symbols.isEmpty()) {
      return new byte[0];
    }
    StringBuilder sb = new StringBuilder("\0");
    for (Symbol y : symbols) {
      sb.append(y.name()).append('\0');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** .symtab: the null entry, then one global entry per symbol; empty without symbols. */
  private byte[] symbolEntries() {
    if (symbols.isEmpty()) {
      return new byte[0];
    }
    ByteBuffer out =
        ByteBuffer.allocate(SYM_SIZE * (symbols.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
    out.position(SYM_SIZE);
    int name = 1;
    for (Symbol y : symbols) {
      out.putInt(name);
      out.put((byte) (STB_GLOBAL << 4 | y.type()));
      out.put((byte) 0); // st_other: default visibility
      out.putShort((short) sectionOf(y.value()));
      out.putLong(y.value());
      out.putLong(y.size());
      name += y.name().getBytes(StandardCharsets.UTF_8).length + 1;
    }
    return out.array();
  }

  /** The section index (1 + segment number) whose memory holds address v, else SHN_ABS. */
  private int sectionOf(long v) {
    for (int k = 0; k < segments.size(); k++) {
      Segment s = segments.get(k);
      if (Long.compareUnsigned(v - s.vaddr(), s.memSize()) < 0) {
        return k + 1;
      }
    }
    return SHN_ABS;
  }

  /** .text for executable, .data for writable, .rodata otherwise; numbered after the first. */
  private String sectionName(int k) {
    String base = sectionKind(segments.get(k).flags());
    int same = 0;
    for (int i = 0; i < k; i++) {
      if (sectionKind(segments.get(i).flags()).equals(base)) {
        same++;
      }
    }
    return same == 0 ? base : base + "." + same;
  }

  private static String sectionKind(int flags) {
    return (flags & PF_X) != 0 ? ".text" : (flags & PF_W) != 0 ? ".data" : ".rodata";
  }

  private void writeSectionHeaders(
      ByteBuffer out, long shoff, long[] offsets, long namesOffset, int namesLength) {
    out.position((int) shoff);
    out.put(new byte[SHDR_SIZE]); // index 0: SHN_UNDEF
    int nameIndex = 1;
    for (int k = 0; k < segments.size(); k++) {
      Segment s = segments.get(k);
      long flags =
          SHF_ALLOC
              | ((s.flags() & PF_W) != 0 ? SHF_WRITE : 0)
              | ((s.flags() & PF_X) != 0 ? SHF_EXECINSTR : 0);
      writeSectionHeader(
          out,
          nameIndex,
          SHT_PROGBITS,
          flags,
          s.vaddr(),
          offsets[k],
          s.bytes().length,
          (s.flags() & PF_X) != 0 ? 2 : 1,
          0,
          0,
          0);
      nameIndex += sectionName(k).length() + 1;
    }
  }

  private static void writeSectionHeader(
      ByteBuffer out,
      int name,
      int type,
      long flags,
      long addr,
      long offset,
      long size,
      long align,
      int link,
      int info,
      long entsize) {
    out.putInt(name);
    out.putInt(type);
    out.putLong(flags);
    out.putLong(addr);
    out.putLong(offset);
    out.putLong(size);
    out.putInt(link); // .symtab: its string table
    out.putInt(info); // .symtab: the first global entry
    out.putLong(align);
    out.putLong(entsize);
  }

  private static long align8(long v) {
    return (v + 7) & ~7L;
  }
}
