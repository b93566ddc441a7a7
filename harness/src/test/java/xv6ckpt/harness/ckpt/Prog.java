package xv6ckpt.harness.ckpt;

import static xv6ckpt.testkit.Xv6Abi.*;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A7;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * Test programs for the harness, built with the project's assembler: code at 0, then strings,
 * then a zeroed area of {@link #BSS} bytes at label "bss", in one RWX segment. The system call
 * numbers are xv6's (and the spec's 22 and 23).
 */
final class Prog {
  static final int BSS = 8192;

  final Assembler a = new Assembler(0);
  private final Map<String, byte[]> strings = new LinkedHashMap<>();

  Prog str(String label, String s) {
    strings.put(label, (s + "\0").getBytes(StandardCharsets.ISO_8859_1));
    return this;
  }

  Prog sys(int num) {
    a.li(A7, num).ecall();
    return this;
  }

  Prog exit(int status) {
    a.li(A0, status);
    return sys(SYS_exit);
  }

  /** checkpoint(a0, path label); returns the ecall's address. */
  long checkpoint(String pathLabel) {
    a.la(A1, pathLabel).li(A7, SYS_checkpoint);
    long at = a.pc();
    a.ecall();
    return at;
  }

  byte[] elf() {
    for (Map.Entry<String, byte[]> e : strings.entrySet()) {
      a.label(e.getKey()).bytes(e.getValue());
    }
    while (a.size() % 8 != 0) {
      a.bytes(0);
    }
    a.label("bss");
    byte[] image = a.assemble();
    return new Elf64Writer().segment(0, image, image.length + BSS, Elf64Writer.PF_R
        | Elf64Writer.PF_W | Elf64Writer.PF_X).entry(0).write();
  }
}
