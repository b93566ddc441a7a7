package xv6ckpt.harness.rig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A kernel ELF's symbol table (SHT_SYMTAB and the string table it links), read for one purpose: to
 * find a named object such as xv6's {@code kmem}. Small on purpose; the emulator's ELF reader is to
 * grow a symbol API, into which this folds. A stripped or malformed table gives no symbol, never an
 * exception: "unknown" is an answer the callers handle.
 */
public final class ElfSymbols {
  /** A symbol's address (st_value) and size in bytes (st_size). */
  public record Symbol(String name, long value, long size) {}

  private static final int SHT_SYMTAB = 2;
  private static final int SHDR = 64, SYM = 24;

  private final ByteBuffer b;

  private ElfSymbols(byte[] elf) {
    b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The symbol called {@code name}, if the ELF has a symbol table that names it. */
  public static Optional<Symbol> find(byte[] elf, String name) {
    try {
      return new ElfSymbols(elf).lookup(name);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return Optional.empty(); // a table that points outside the file: no symbols
    }
  }

  private Optional<Symbol> lookup(String name) {
    if (b.capacity() < 64) return Optional.empty();
    long shoff = b.getLong(0x28);
    int shnum = Short.toUnsignedInt(b.getShort(0x3C));
    for (int i = 0; i < shnum; i++) {
      int sh = Math.toIntExact(shoff + (long) i * SHDR);
      if (b.getInt(sh + 4) != SHT_SYMTAB) continue;
      int off = Math.toIntExact(b.getLong(sh + 24));
      long size = b.getLong(sh + 32);
      int strtab = Math.toIntExact(shoff + (long) b.getInt(sh + 40) * SHDR);
      int strOff = Math.toIntExact(b.getLong(strtab + 24));
      for (long s = 0; s + SYM <= size; s += SYM) {
        int at = Math.toIntExact(off + s);
        if (name.equals(string(strOff + b.getInt(at)))) {
          return Optional.of(new Symbol(name, b.getLong(at + 8), b.getLong(at + 16)));
        }
      }
    }
    return Optional.empty();
  }

  private String string(int at) {
    int end = at;
    while (b.get(end) != 0) end++;
    byte[] s = new byte[end - at];
    b.get(at, s);
    return new String(s, StandardCharsets.ISO_8859_1);
  }
}
