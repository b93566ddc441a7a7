package xv6ckpt.harness.props;

import xv6ckpt.testkit.Xv6Abi;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.T6;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * A user program for the properties, built with the emulator's assembler: code at address 0,
 * then the data ({@link #str}), then {@link #BSS} zeroed bytes at label "bss", one RWX PT_LOAD
 * segment. A failed check exits with its own status, so a property that expects a status names
 * the failed check by the status it got.
 */
final class Prog {
  static final int PAGE = 4096;
  static final int BSS = 4 * PAGE;

  final Assembler a = new Assembler(0);
  private final Map<String, byte[]> data = new LinkedHashMap<>();
  private int labels;

  /** A NUL-terminated string at label {@code name}. */
  Prog str(String name, String s) {
    data.put(name, (s + "\0").getBytes(StandardCharsets.ISO_8859_1));
    return this;
  }

  /** a7 = num; ecall (arguments already in a0..a5). */
  Prog sys(int num) {
    a.li(A7, num).ecall();
    return this;
  }

  Prog exit(int code) {
    a.li(A0, code);
    return sys(Xv6Abi.SYS_exit);
  }

  /** write(1, label, strlen). */
  Prog print(String label) {
    a.li(A0, 1).la(A1, label).li(A2, data.get(label).length - 1);
    return sys(Xv6Abi.SYS_write);
  }

  /** Exits with status {@code code} unless a0 == expected. */
  Prog check(long expected, int code) {
    String ok = fresh();
    a.li(T6, expected).beq(A0, T6, ok);
    exit(code);
    a.label(ok);
    return this;
  }

  String fresh() {
    return "L" + labels++;
  }

  byte[] elf() {
    for (Map.Entry<String, byte[]> e : data.entrySet()) {
      a.align(8).label(e.getKey()).bytes(e.getValue());
    }
    a.align(4096).label("bss");
    byte[] image = a.assemble();
    return new Elf64Writer()
        .segment(0, image, image.length + BSS,
            Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }
}
