package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.testkit.Xv6Abi.*;

import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.testkit.UserProgram;

/**
 * The user program restore-image runs on a C kernel ({@link RestoreImageElfTarget}), /kr, and its
 * fixed layout: the harness writes an input's image (or which process to checkpoint) into its
 * memory through its page table while it waits for the go line, and judges what the kernel does
 * with the calls that follow. The layout is part of the meaning of the target's verdicts: the
 * addresses below are where the oracle looks.
 *
 * <pre>
 *   fork: the child exits at once (a zombie: /kr never waits)
 *   fork: the child sleeps for ever (a process blocked in sleep, at SLEEP_PC)
 *   open("/f1", O_RDONLY)                 fd 3: the all-or-nothing witness
 *   read(0, GO, 2)                        blocks for "g\n": the snapshot
 *   mode 0: open("/img", O_CREATE|O_WRONLY|O_TRUNC); write(fd, IMG, length); close(fd)
 *   mode 1: checkpoint(pid, "/img")       at CKPT_PC
 *   restore("/img")                       at RESTORE_PC
 *   dup(3)                                a refused caller still holds fd 3: the result is 4
 *   exit(0)
 * </pre>
 */
final class RestoreImageElfScene {
  private RestoreImageElfScene() {}

  /** Control words the harness writes: mode (0 image, 1 checkpoint), image length, pid. */
  static final long CTRL = 0x1000;

  static final long MODE = CTRL, LENGTH = CTRL + 8, PID = CTRL + 16;

  /** Where read puts the go line. */
  static final long GO = CTRL + 0x800;

  /** The image's bytes, at most {@link RestoreRig#CAPACITY}. */
  static final long IMG = 0x2000;

  /** The end of the segment; exec puts the guard page and the stack page after it. */
  static final long END = IMG + RestoreRig.CAPACITY;

  static final String NAME = "kr";

  /** The program and the addresses of its code the oracle needs. */
  record Program(byte[] elf, long sleepPc, long ckptPc, long restorePc, long pathVa) {}

  /** The program, built with the test kit's assembler. */
  static Program program() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, END - CTRL, END));
    Assembler a = p.a;
    a.li(A7, SYS_fork).ecall().bnez(A0, "second");
    a.li(A0, 0).li(A7, SYS_exit).ecall();
    a.label("second").li(A7, SYS_fork).ecall().bnez(A0, "parent");
    a.label("sleep").li(A0, 1_000_000).li(A7, SYS_sleep);
    a.label("sleepecall").ecall().j("sleep");
    a.label("parent").la(A0, "f1").li(A1, O_RDONLY).li(A7, SYS_open).ecall();
    a.li(A0, 0).li(A1, GO).li(A2, 2).li(A7, SYS_read).ecall();
    a.li(S0, CTRL).ld(T0, 0, S0).bnez(T0, "ckpt");
    a.la(A0, "img").li(A1, O_CREATE | O_WRONLY | O_TRUNC).li(A7, SYS_open).ecall().mv(S1, A0);
    a.mv(A0, S1).li(A1, IMG).ld(A2, 8, S0).li(A7, SYS_write).ecall();
    a.mv(A0, S1).li(A7, SYS_close).ecall().j("restore");
    a.label("ckpt").ld(A0, 16, S0).la(A1, "img").li(A7, SYS_checkpoint);
    a.label("ckptecall").ecall();
    a.label("restore").la(A0, "img").li(A7, SYS_restore);
    a.label("restoreecall").ecall();
    a.li(A0, 3).li(A7, SYS_dup).ecall();
    a.li(A0, 0).li(A7, SYS_exit).ecall();
    p.str("f1", "/f1").str("img", "/img");
    byte[] elf = p.elf();
    return new Program(
        elf,
        a.address("sleepecall"),
        a.address("ckptecall"),
        a.address("restoreecall"),
        a.address("img"));
  }
}
