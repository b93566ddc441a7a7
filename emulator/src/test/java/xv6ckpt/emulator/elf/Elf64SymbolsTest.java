package xv6ckpt.emulator.elf;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.elf.Elf64.Symbol;
import xv6ckpt.emulator.elf.Elf64.SymbolTable;

/** The symbol reader against ELFs written by {@link Elf64Writer}, whole and broken. */
class Elf64SymbolsTest {
  private static final long TEXT = 0x8000_0000L;
  private static final long DATA = 0x8000_1000L;

  /** Text [TEXT, +0x60): main, helper, a gap, then the label vec; data holds kmem. */
  private static byte[] kernel() {
    return new Elf64Writer()
        .segment(TEXT, new byte[0x60], Elf64Writer.PF_R | Elf64Writer.PF_X)
        .segment(DATA, new byte[0x20], 0x100, Elf64Writer.PF_R | Elf64Writer.PF_W)
        .entry(TEXT)
        .symbol("main", TEXT, 0x20, Elf64Writer.STT_FUNC)
        .symbol("helper", TEXT + 0x20, 0x10, Elf64Writer.STT_FUNC)
        .symbol("vec", TEXT + 0x40, 0, Elf64Writer.STT_NOTYPE)
        .symbol("kmem", DATA, 16, Elf64Writer.STT_OBJECT)
        .symbol("$xrv64i2p1", TEXT + 0x30, 0, Elf64Writer.STT_NOTYPE) // a mapping symbol
        .write();
  }

  private static Optional<String> fn(SymbolTable t, long a) {
    return t.functionAt(a).map(Symbol::name);
  }

  @Test
  void namesFunctionsLabelsAndObjects() throws ElfException {
    SymbolTable t = Elf64.symbols(kernel());
    assertThat(t.all()).hasSize(4); // the mapping symbol is not a name
    assertThat(fn(t, TEXT)).hasValue("main");
    assertThat(fn(t, TEXT + 0x1e)).hasValue("main");
    assertThat(fn(t, TEXT + 0x20)).hasValue("helper");
    assertThat(fn(t, TEXT + 0x2f)).hasValue("helper");
    assertThat(fn(t, TEXT + 0x30)).isEmpty(); // after helper, before vec: unnamed, not "$x..."
    assertThat(fn(t, TEXT + 0x40)).hasValue("vec");
    assertThat(fn(t, TEXT + 0x5e)).hasValue("vec"); // a label runs to its section's end
    assertThat(fn(t, TEXT + 0x60)).isEmpty();
    assertThat(fn(t, DATA)).isEmpty(); // an object is not a function
    assertThat(fn(t, TEXT - 2)).isEmpty();
    assertThat(t.address("kmem")).hasValue(DATA);
    assertThat(t.symbol("kmem").orElseThrow().isObject()).isTrue();
    assertThat(t.symbol("kmem").orElseThrow().size()).isEqualTo(16);
    assertThat(t.symbol("helper").orElseThrow().isFunction()).isTrue();
    assertThat(t.address("nosuch")).isEmpty();
  }

  @Test
  void aFileWithoutSymbolsHasAnEmptyTable() throws ElfException {
    byte[] b =
        new Elf64Writer()
            .segment(TEXT, new byte[16], Elf64Writer.PF_R | Elf64Writer.PF_X)
            .entry(TEXT)
            .write();
    assertThat(Elf64.symbols(b).isEmpty()).isTrue();
    assertThat(Elf64.symbols(b).functionAt(TEXT)).isEmpty();
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Offset of section header {@code i}. */
  private static int shdr(byte[] b, int i) {
    return (int) le(b).getLong(40) + 64 * i;
  }

  private static final int SYMTAB = 3; // null, .text, .data, .symtab, .strtab, .shstrtab

  private static String error(byte[] b) {
    return assertThrows(ElfException.class, () -> Elf64.symbols(b)).getMessage();
  }

  @Test
  void rejectsBrokenTablesWithTheirField() {
    byte[] k = kernel();
    assertThat(le(k).getInt(shdr(k, SYMTAB) + 4)).isEqualTo(Elf64.SHT_SYMTAB);

    byte[] link = kernel();
    le(link).putInt(shdr(link, SYMTAB) + 40, 99);
    assertThat(error(link)).contains("sh_link 99");

    byte[] notStr = kernel();
    le(notStr).putInt(shdr(notStr, SYMTAB) + 40, 1); // .text
    assertThat(error(notStr)).contains("want SHT_STRTAB");

    byte[] past = kernel();
    le(past).putLong(shdr(past, SYMTAB) + 32, 1L << 40);
    assertThat(error(past)).contains("run past the end");

    byte[] negative = kernel();
    le(negative).putLong(shdr(negative, SYMTAB) + 24, -8);
    assertThat(error(negative)).contains("run past the end");

    byte[] ent = kernel();
    le(ent).putLong(shdr(ent, SYMTAB) + 56, 16);
    assertThat(error(ent)).contains("sh_entsize is 16");

    byte[] odd = kernel();
    le(odd).putLong(shdr(odd, SYMTAB) + 32, 24 * 5 - 1);
    assertThat(error(odd)).contains("not a multiple of 24");

    byte[] name = kernel();
    int symtab = (int) le(name).getLong(shdr(name, SYMTAB) + 24);
    le(name).putInt(symtab + 24, -5); // entry 1's st_name
    assertThat(error(name)).contains("outside its string table");

    byte[] unterminated = kernel();
    int str = shdr(unterminated, SYMTAB + 1);
    long strOff = le(unterminated).getLong(str + 24);
    long strSize = le(unterminated).getLong(str + 32);
    unterminated[(int) (strOff + strSize - 1)] = 'x'; // the last name loses its NUL
    assertThat(error(unterminated)).contains("not NUL-terminated");

    byte[] shent = kernel();
    le(shent).putShort(58, (short) 40);
    assertThat(error(shent)).contains("e_shentsize is 40");

    byte[] shoff = kernel();
    le(shoff).putLong(40, shoff.length - 10);
    assertThat(error(shoff)).contains("section headers");
  }

  /** Any damage to the section headers or the tables: a table or an ElfException, nothing else. */
  @Test
  void randomDamageGivesOnlyElfExceptions() {
    byte[] k = kernel();
    int symtab = (int) le(k).getLong(shdr(k, SYMTAB) + 24);
    Random r = new Random(13);
    int rejected = 0;
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] b = k.clone();
      for (int flips = 1 + r.nextInt(4); flips > 0; flips--) {
        // Damage the symbol entries, the strings or the section headers (all after symtab).
        b[symtab + r.nextInt(b.length - symtab)] = (byte) r.nextInt(256);
      }
      try {
        SymbolTable t = Elf64.symbols(b);
        t.functionAt(TEXT + r.nextInt(0x100));
      } catch (ElfException e) {
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(0);
  }
}
