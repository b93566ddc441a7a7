package xv6ckpt.kernel;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/** User programs more than one kernel test runs, built with the test kit's builder. */
final class TestPrograms {
  private TestPrograms() {}

  /**
   * A busy family: opens "out", then {@code rounds} times forks a child that prints {@code msg} and
   * exits, waits for it and writes {@code bytes} bytes of bss to the file.
   */
  static UserProgram forkingWriter(int rounds, int bytes, String msg) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "out").str("msg", msg);
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(Xv6Abi.SYS_open);
    p.a.mv(S1, A0).li(S2, rounds);
    String loop = p.fresh();
    String child = p.fresh();
    p.a.label(loop);
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, child).li(A0, 0);
    p.sys(Xv6Abi.SYS_wait);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, bytes);
    p.sys(Xv6Abi.SYS_write).check(bytes, 1);
    p.a.addi(S2, S2, -1).bnez(S2, loop);
    p.exit(0);
    p.a.label(child);
    p.print(1, "msg").exit(0);
    return p;
  }

  /** A program that restores the image at path and, if that fails, exits with the code. */
  static byte[] restorer(String path) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", path);
    p.restore("path");
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }
}
