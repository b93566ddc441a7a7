package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Param;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The kernel side of model conformance: one user program, "drv", that the harness drives command by
 * command. It blocks in read(0, bss, 1); the harness writes a command block into its bss (through
 * its page table), feeds one byte, runs the machine until it idles again and reads the result word
 * back.
 *
 * <p>Command block, from bss: the op at {@link #CMD_OP}, arguments at {@link #CMD_ARG1} and {@link
 * #CMD_ARG2}, a path at {@link #CMD_PATH}, data at {@link #CMD_DATA}; the driver stores a0 at
 * {@link #CMD_RESULT}, read's bytes at {@link #CMD_READBUF}, wait's status at {@link #CMD_STATUS}.
 * Children: an exiter exits with its status; a parked child makes a pipe and reads it (it holds the
 * write end, so it blocks for good); a waiter forks a parked grandchild and waits for it, then
 * exits 98.
 */
final class ConformanceDriver {
  private ConformanceDriver() {}

  static final int CMD_OP = 8;
  static final int CMD_ARG1 = 16;
  static final int CMD_ARG2 = 24;
  static final int CMD_RESULT = 40;
  static final int CMD_PATH = 64;
  static final int CMD_DATA = 128;
  static final int CMD_READBUF = 256;
  static final int CMD_STATUS = 1024;

  /** Where "bss" lies: the driver's code and data fit in its first page. */
  static final long BSS_VA = 0x1000;

  /** Where the loop's read(0, bss, 1) ecall is: after la s0 (2 instructions) and 4 li. */
  static final long READ_CALL_VA = 0x18;

  /** The status a waiter exits with after reaping its child. */
  static final int WAITER_STATUS = 98;

  /** The driver's operations; the op word is {@link #code}. */
  enum Op {
    FORK_EXIT,
    FORK_PARK,
    FORK_WAITER,
    EXIT,
    WAIT,
    KILL,
    OPEN,
    WRITE,
    READ,
    CLOSE,
    CKPT,
    RESTORE,
    CORRUPT,
    CHILD_CKPT;

    int code() {
      return ordinal() + 1;
    }

    String label() {
      return "op" + code();
    }
  }

  /**
   * close(fd) for fd 3..NOFILE-1: a waiter or parked child keeps only the console of what it
   * inherits, so that the driver alone holds files (the model gives children no file descriptions
   * shared with the driver).
   */
  private static void closeInherited(UserProgram p) {
    String top = p.fresh();
    p.a.li(S1, 3).label(top).mv(A0, S1);
    p.sys(Xv6Abi.SYS_close);
    p.a.addi(S1, S1, 1).li(T0, Param.NOFILE).blt(S1, T0, top);
  }

  /** The driver's ELF: s0 = bss (its own pages, {@link UserProgram#PAGED_BSS}), the loop. */
  static byte[] program() {
    UserProgram p = new UserProgram(UserProgram.PAGED_BSS);
    p.a.la(S0, "bss");
    p.a.label("loop");
    p.a.li(A0, 0).mv(A1, S0).li(A2, 1).li(A7, Xv6Abi.SYS_read).label("readcall").ecall();
    p.a.ld(T0, CMD_OP, S0);
    for (Op op : Op.values()) {
      p.a.li(T1, op.code()).beq(T0, T1, op.label());
    }
    p.a.li(A0, -100).j("done");

    p.a.label(Op.FORK_EXIT.label());
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_exit);

    p.a.label(Op.FORK_PARK.label());
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").j("park");

    p.a.label(Op.FORK_WAITER.label());
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done");
    closeInherited(p);
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, "park").li(A0, 0);
    p.sys(Xv6Abi.SYS_wait);
    p.exit(WAITER_STATUS);

    p.a.label(Op.EXIT.label()).ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_exit);

    p.a.label(Op.WAIT.label()).addi(A0, S0, CMD_STATUS);
    p.sys(Xv6Abi.SYS_wait);
    p.a.j("done");

    p.a.label(Op.KILL.label()).ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_kill);
    p.a.j("done");

    p.a.label(Op.OPEN.label()).addi(A0, S0, CMD_PATH).ld(A1, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_open);
    p.a.j("done");

    p.a.label(Op.WRITE.label()).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_DATA).ld(A2, CMD_ARG2, S0);
    p.sys(Xv6Abi.SYS_write);
    p.a.j("done");

    p.a.label(Op.READ.label()).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_READBUF).ld(A2, CMD_ARG2, S0);
    p.sys(Xv6Abi.SYS_read);
    p.a.j("done");

    p.a.label(Op.CLOSE.label()).ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_close);
    p.a.j("done");

    p.a.label(Op.CKPT.label()).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_checkpoint);
    p.a.j("done");

    p.a.label(Op.RESTORE.label()).addi(A0, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_restore);
    p.a.j("done");

    // open(path, O_RDWR); read(fd, bss+1536, skip); write(fd, data, 8); close(fd)
    p.a.label(Op.CORRUPT.label()).addi(A0, S0, CMD_PATH).li(A1, Xv6Abi.O_RDWR);
    p.sys(Xv6Abi.SYS_open);
    p.a.bltz(A0, "done").mv(S1, A0).addi(A1, S0, 1536).ld(A2, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_read);
    p.a.mv(A0, S1).addi(A1, S0, CMD_DATA).li(A2, 8);
    p.sys(Xv6Abi.SYS_write);
    p.a.mv(S2, A0).mv(A0, S1);
    p.sys(Xv6Abi.SYS_close);
    p.a.mv(A0, S2);

    p.a.label("done").sd(A0, CMD_RESULT, S0).j("loop");

    // a parked child: pipe(bss+512); read(p[0], bss+520, 1) blocks for good
    p.a.label("park");
    closeInherited(p);
    p.a.addi(A0, S0, 512);
    p.sys(Xv6Abi.SYS_pipe);
    p.a.lw(A0, 512, S0).addi(A1, S0, 520).li(A2, 1);
    p.sys(Xv6Abi.SYS_read);
    p.exit(99);

    // a child sleeps a tick, checkpoints the driver (pid in arg1) and exits with the result
    p.a.label(Op.CHILD_CKPT.label());
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").li(A0, 1);
    p.sys(Xv6Abi.SYS_sleep);
    p.a.ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_checkpoint);
    p.sys(Xv6Abi.SYS_exit);
    byte[] elf = p.elf();
    if (p.a.address("bss") != BSS_VA || p.a.address("readcall") != READ_CALL_VA) {
      throw new AssertionError(
          "driver's bss at 0x"
              + Long.toHexString(p.a.address("bss"))
              + ", its read call at 0x"
              + Long.toHexString(p.a.address("readcall")));
    }
    return elf;
  }

  /** Runs one command in driver pid; its result. The driver idles in its read again. */
  static long command(Machine m, int pid, Op op, long arg1, long arg2, String path, byte[] data) {
    put(m, pid, op, arg1, arg2, path, data);
    m.consoleInput("\n"); // a whole line: the console hands input over by lines
    assertWithMessage("console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Idle(true));
    return m.memory().read64(pa(m, pid, CMD_RESULT));
  }

  /** Runs one command that takes no argument but its op. */
  static long command(Machine m, int pid, Op op) {
    return command(m, pid, op, 0, 0, "", new byte[0]);
  }

  /** Writes a command block into driver pid's memory (the caller then feeds the byte). */
  static void put(Machine m, int pid, Op op, long arg1, long arg2, String path, byte[] data) {
    PhysicalMemory mem = m.memory();
    mem.write64(pa(m, pid, CMD_OP), op.code());
    mem.write64(pa(m, pid, CMD_ARG1), arg1);
    mem.write64(pa(m, pid, CMD_ARG2), arg2);
    mem.write64(pa(m, pid, CMD_RESULT), 0x5a5a_5a5aL); // so a command that stored nothing shows
    byte[] p = Arrays.copyOf(path.getBytes(StandardCharsets.ISO_8859_1), 32);
    mem.write(pa(m, pid, CMD_PATH), p, 0, p.length);
    mem.write(pa(m, pid, CMD_DATA), data, 0, data.length);
  }

  /** The physical address of driver pid's bss + off (one page suffices). */
  static long pa(Machine m, int pid, int off) {
    long va = BSS_VA + off;
    OptionalLong page = UserPages.userPage(m.memory(), UserState.process(m, pid).pagetable(), va);
    assertWithMessage("driver's bss page mapped for user").that(page.isPresent()).isTrue();
    return page.getAsLong() + (va & 0xfff);
  }
}
