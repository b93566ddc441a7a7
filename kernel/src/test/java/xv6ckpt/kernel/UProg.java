package xv6ckpt.kernel;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T6;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * Test user programs built with the project's assembler: code at address 0, then the data
 * ({@link #data}, {@link #str}), then a zeroed area of {@link #BSS} bytes at label "bss", all
 * in one RWX PT_LOAD segment. Checks end the program with a distinct exit status, so a test
 * that expects status 0 names the failed check by the status it got.
 */
final class UProg {
  static final int BSS = 16384;

  final Assembler a = new Assembler(0);
  private final Map<String, byte[]> data = new LinkedHashMap<>();
  private int labels;

  /** A NUL-terminated string at label {@code name}. */
  UProg str(String name, String s) {
    byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
    data.put(name, b);
    return this;
  }

  /** Raw bytes at label {@code name} (8-byte aligned). */
  UProg data(String name, byte[] b) {
    data.put(name, b.clone());
    return this;
  }

  /** a7 = num; ecall (arguments already in a0..a5). */
  UProg sys(int num) {
    a.li(A7, num).ecall();
    return this;
  }

  UProg exit(int code) {
    a.li(A0, code);
    return sys(Syscall.SYS_exit);
  }

  /** write(fd, label, strlen). */
  UProg print(int fd, String label) {
    a.li(A0, fd).la(A1, label).li(A2, data.get(label).length - 1);
    return sys(Syscall.SYS_write);
  }

  /** Exits with status {@code code} unless a0 == expected. */
  UProg check(long expected, int code) {
    String ok = "ok" + labels++;
    a.li(T6, expected).beq(A0, T6, ok);
    exit(code);
    a.label(ok);
    return this;
  }

  /** Exits with status {@code code} if a0 is negative. */
  UProg checkNonNegative(int code) {
    String ok = "ok" + labels++;
    a.bgez(A0, ok);
    exit(code);
    a.label(ok);
    return this;
  }

  /** A fresh label name. */
  String fresh() {
    return "L" + labels++;
  }

  byte[] elf() {
    for (Map.Entry<String, byte[]> e : data.entrySet()) {
      while (a.size() % 8 != 0) {
        a.bytes(0);
      }
      a.label(e.getKey()).bytes(e.getValue());
    }
    while (a.size() % 8 != 0) {
      a.bytes(0);
    }
    a.label("bss");
    byte[] image = a.assemble();
    return new Elf64Writer()
        .segment(0, image, image.length + BSS, Elf64Writer.PF_R | Elf64Writer.PF_W
            | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }

  /**
   * A busy family: opens "out", then {@code rounds} times forks a child that prints
   * {@code msg} and exits, waits for it and writes {@code bytes} bytes of bss to the file.
   */
  static UProg forkingWriter(int rounds, int bytes, String msg) {
    UProg p = new UProg().str("f", "out").str("msg", msg);
    p.a.la(A0, "f").li(A1, SysFile.O_CREATE | SysFile.O_RDWR);
    p.sys(Syscall.SYS_open);
    p.a.mv(S1, A0).li(S2, rounds);
    String loop = p.fresh();
    String child = p.fresh();
    p.a.label(loop);
    p.sys(Syscall.SYS_fork);
    p.a.beqz(A0, child).li(A0, 0);
    p.sys(Syscall.SYS_wait);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, bytes);
    p.sys(Syscall.SYS_write).check(bytes, 1);
    p.a.addi(S2, S2, -1).bnez(S2, loop);
    p.exit(0);
    p.a.label(child);
    p.print(1, "msg").exit(0);
    return p;
  }
}
