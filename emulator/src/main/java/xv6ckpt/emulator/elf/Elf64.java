package xv6ckpt.emulator.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

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
 *
 * <p>{@link #symbols} also reads the section headers and the {@code .symtab}/{@code .strtab} pair,
 * for tools that name addresses (coverage reports); running a program never needs them.
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

  // ---------------------------------------------------------------- symbols

  public static final int SHDR_SIZE = 64;
  public static final int SYM_SIZE = 24;
  public static final int SHT_SYMTAB = 2;
  public static final int SHT_STRTAB = 3;
  public static final long SHF_EXECINSTR = 4;
  public static final int STT_NOTYPE = 0;
  public static final int STT_OBJECT = 1;
  public static final int STT_FUNC = 2;
  public static final int STT_SECTION = 3;
  public static final int STT_FILE = 4;
  public static final int SHN_UNDEF = 0;
  public static final int SHN_LORESERVE = 0xff00;

  /**
   * One named symbol. {@code inCode}: defined in a section that holds instructions (SHF_EXECINSTR),
   * so an address after it may belong to it even if its size is 0 (assembly labels such as xv6's
   * {@code kernelvec} have no size), up to {@code sectionEnd}, the end address of its section.
   */
  public record Symbol(
      String name, long value, long size, int type, int bind, boolean inCode, long sectionEnd) {
    public boolean isFunction() {
      return type == STT_FUNC;
    }

    public boolean isObject() {
      return type == STT_OBJECT;
    }

    /** Whether {@code address} lies in [value, value + size). */
    public boolean contains(long address) {
      return Long.compareUnsigned(address - value, size) < 0;
    }
  }

  /**
   * The named function, object and untyped symbols of an executable (sections, files and unnamed or
   * undefined entries left out), sorted by address. Empty for a stripped file.
   */
  public static final class SymbolTable {
    private final List<Symbol> symbols;
    private final Map<String, Symbol> byName = new HashMap<>();
    private final long[] codeStarts; // code symbols (functions and labels), by address
    private final Symbol[] code;

    SymbolTable(List<Symbol> symbols) {
      List<Symbol> sorted = new ArrayList<>(symbols);
      sorted.sort(
          Comparator.comparing(Symbol::value, Long::compareUnsigned)
              .thenComparing(Symbol::size, Comparator.reverseOrder()));
      this.symbols = List.copyOf(sorted);
      for (Symbol s : sorted) {
        byName.putIfAbsent(s.name(), s); // the first by address wins among duplicate locals
      }
      List<Symbol> c = sorted.stream().filter(s -> s.inCode() && s.type() != STT_OBJECT).toList();
      code = c.toArray(new Symbol[0]);
      codeStarts = c.stream().mapToLong(Symbol::value).toArray();
    }

    public List<Symbol> all() {
      return symbols;
    }

    public boolean isEmpty() {
      return symbols.isEmpty();
    }

    /** The symbol called {@code name} (the lowest-addressed one if several locals share it). */
    public Optional<Symbol> symbol(String name) {
      return Optional.ofNullable(byName.get(name));
    }

    /** The address of the symbol called {@code name}. */
    public OptionalLong address(String name) {
      Symbol s = byName.get(name);
      return s == null ? OptionalLong.empty() : OptionalLong.of(s.value());
    }

    /**
     * The function containing {@code address}: the sized code symbol that covers it; else the
     * size-0 code symbol (an assembly label) with the highest start at or below it, unless that
     * label lies inside a sized function that ends before the address. Empty below every code
     * symbol, or after a sized function with no label since.
     */
    public Optional<Symbol> functionAt(long address) {
      int i = lastAtOrBelow(address);
      Symbol label = null;
      for (int k = i; k >= 0; k--) {
        Symbol s = code[k];
        if (s.size() == 0) {
          if (label == null && codeStarts[k] == codeStarts[i]) {
            label = s;
          }
          continue;
        }
        if (s.contains(address)) {
          return Optional.of(s);
        }
        if (label != null && s.contains(label.value())) {
          return Optional.empty(); // a label inside a function that ends before address
        }
        break; // the nearest sized function ends before address
      }
      if (label != null && Long.compareUnsigned(address, label.sectionEnd()) >= 0) {
        return Optional.empty(); // past the label's section: data, not its code
      }
      return Optional.ofNullable(label);
    }

    private int lastAtOrBelow(long address) {
      int lo = 0;
      int hi = codeStarts.length - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (Long.compareUnsigned(codeStarts[mid], address) <= 0) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }
  }

  /** One section header: only the fields the symbol reader uses. */
  private record Section(
      int type, long flags, long addr, long offset, long size, int link, long entsize) {}

  /**
   * Reads the symbol table ({@code .symtab}, with the string table its sh_link names) of the ELF64
   * file {@code b}. A file without section headers or without a symbol table gives an empty table;
   * a table that points outside the file, or names outside its string table, is an {@link
   * ElfException} naming the field.
   */
  public static SymbolTable symbols(byte[] b) throws ElfException {
    parseHeader(b);
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    long shoff = bb.getLong(40);
    int shentsize = Short.toUnsignedInt(bb.getShort(58));
    int shnum = Short.toUnsignedInt(bb.getShort(60));
    if (shoff == 0 || shnum == 0) {
      return new SymbolTable(List.of());
    }
    if (shentsize != SHDR_SIZE) {
      throw new ElfException("e_shentsize is " + shentsize + ", want 64");
    }
    if (shoff < 0 || shoff + (long) shnum * SHDR_SIZE > b.length) {
      throw new ElfException(
          "section headers (offset "
              + shoff
              + ", "
              + shnum
              + " entries) run past the end of the "
              + b.length
              + "-byte file");
    }
    List<Section> sections = new ArrayList<>();
    for (int i = 0; i < shnum; i++) {
      int o = (int) shoff + i * SHDR_SIZE;
      sections.add(
          new Section(
              bb.getInt(o + 4),
              bb.getLong(o + 8),
              bb.getLong(o + 16),
              bb.getLong(o + 24),
              bb.getLong(o + 32),
              bb.getInt(o + 40),
              bb.getLong(o + 56)));
    }
    for (int i = 0; i < shnum; i++) {
      if (sections.get(i).type() == SHT_SYMTAB) {
        return readSymtab(b, bb, sections, i);
      }
    }
    return new SymbolTable(List.of());
  }

  private static SymbolTable readSymtab(byte[] b, ByteBuffer bb, List<Section> sections, int i)
      throws ElfException {
    Section st = sections.get(i);
    String name = "section " + i + " (SHT_SYMTAB)";
    if (st.entsize() != SYM_SIZE) {
      throw new ElfException(name + ": sh_entsize is " + st.entsize() + ", want 24");
    }
    checkInFile(name, st, b.length);
    if (st.size() % SYM_SIZE != 0) {
      throw new ElfException(name + ": sh_size " + st.size() + " is not a multiple of 24");
    }
    if (st.link() <= 0 || st.link() >= sections.size()) {
      throw new ElfException(name + ": sh_link " + st.link() + " names no section");
    }
    Section strtab = sections.get(st.link());
    String strName = "section " + st.link() + " (string table of " + name + ")";
    if (strtab.type() != SHT_STRTAB) {
      throw new ElfException(strName + ": sh_type is " + strtab.type() + ", want SHT_STRTAB 3");
    }
    checkInFile(strName, strtab, b.length);
    List<Symbol> out = new ArrayList<>();
    int n = (int) (st.size() / SYM_SIZE);
    for (int k = 1; k < n; k++) { // entry 0 is the reserved null symbol
      int o = (int) st.offset() + k * SYM_SIZE;
      int info = b[o + 4] & 0xff;
      int type = info & 0xf;
      int shndx = Short.toUnsignedInt(bb.getShort(o + 6));
      if (type > STT_FUNC && type != STT_NOTYPE || shndx == SHN_UNDEF) {
        continue; // sections, files, TLS and undefined references name no address here
      }
      String symName = string(b, strtab, bb.getInt(o), name + " entry " + k);
      if (symName.isEmpty() || symName.charAt(0) == '$') {
        continue; // '$x...'/'$d': the RISC-V psABI's mapping symbols, not names of code
      }
      Section home = shndx < SHN_LORESERVE && shndx < sections.size() ? sections.get(shndx) : null;
      boolean inCode = home != null && (home.flags() & SHF_EXECINSTR) != 0;
      long end = inCode ? home.addr() + home.size() : 0;
      out.add(
          new Symbol(
              symName, bb.getLong(o + 8), bb.getLong(o + 16), type, info >>> 4, inCode, end));
    }
    return new SymbolTable(out);
  }

  private static void checkInFile(String name, Section s, long fileLength) throws ElfException {
    if (s.offset() < 0 || s.size() < 0 || s.offset() + s.size() > fileLength) {
      throw new ElfException(
          name
              + ": bytes ["
              + s.offset()
              + ", +"
              + s.size()
              + ") run past the end of the "
              + fileLength
              + "-byte file");
    }
  }

  /** The NUL-terminated string at {@code index} of a string table. */
  private static String string(byte[] b, Section strtab, int index, String who)
      throws ElfException {
    if (index < 0 || index >= strtab.size()) {
      throw new ElfException(
          who + ": st_name " + Integer.toUnsignedString(index) + " is outside its string table");
    }
    int start = (int) (strtab.offset() + index);
    int end = start;
    int limit = (int) (strtab.offset() + strtab.size());
    while (end < limit && b[end] != 0) {
      end++;
    }
    if (end == limit) {
      throw new ElfException(who + ": name at st_name " + index + " is not NUL-terminated");
    }
    return new String(b, start, end - start, StandardCharsets.UTF_8);
  }
}
