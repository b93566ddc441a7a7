package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.Xv6Abi;

/** syscall-args' model oracle: calls judged one by one against the spec's SyscallModel. */
class SyscallModelJudgeTest {
  private static final SyscallArgsTarget TARGET = new SyscallArgsTarget();

  /** An input's header: no fuzzed paths, a data buffer of the given bytes. */
  private static ByteArrayOutputStream input(byte[] buffer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(buffer.length & 0xff);
    out.write(buffer.length >>> 8);
    out.write(buffer, 0, buffer.length);
    return out;
  }

  /** One call: number byte, then six arguments as kind 1 (a raw i64). */
  private static void call(ByteArrayOutputStream out, int number, long... args) {
    out.write(number - 1);
    for (int i = 0; i < 6; i++) {
      out.write(1);
      long v = i < args.length ? args[i] : 0;
      for (int k = 0; k < 8; k++) {
        out.write((int) (v >>> (8 * k)));
      }
    }
  }

  private static long path(int slot) {
    return UserPrograms.PATHS + (long) slot * UserPrograms.PATH_SLOT;
  }

  private static final long BUF = UserPrograms.BUF;

  static String run(ByteArrayOutputStream in) {
    FuzzTarget.Verdict v = TARGET.run(in.toByteArray());
    return v.toString();
  }

  @Test
  void aFileAPipeAndAForkAgreeWithTheModelToTheEnd() {
    ByteArrayOutputStream in =
        input("hello, pipe".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    call(in, Xv6Abi.SYS_open, path(0), 0); // /README -> 3
    call(in, Xv6Abi.SYS_read, 3, BUF + 100, 10);
    call(in, Xv6Abi.SYS_fstat, 3, BUF + 200);
    call(in, Xv6Abi.SYS_pipe, BUF + 300); // 4, 5
    call(in, Xv6Abi.SYS_write, 5, BUF, 11);
    call(in, Xv6Abi.SYS_read, 4, BUF + 400, 4);
    call(in, Xv6Abi.SYS_dup, 3);
    call(in, Xv6Abi.SYS_open, path(6), Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    call(in, Xv6Abi.SYS_write, 7, BUF, 3000);
    call(in, Xv6Abi.SYS_fork);
    call(in, Xv6Abi.SYS_getpid);
    call(in, Xv6Abi.SYS_wait, BUF + 500);
    call(in, Xv6Abi.SYS_unlink, path(6));
    call(in, Xv6Abi.SYS_mkdir, path(6));
    call(in, Xv6Abi.SYS_chdir, path(6));
    String v = run(in);
    assertThat(v).startsWith("Pass[summary=15 calls, server exit 0");
    assertThat(v).doesNotContain("model gave up");
  }

  @Test
  void execOfAProgramEndsTheModel() {
    ByteArrayOutputStream in = input(new byte[16]);
    call(in, Xv6Abi.SYS_exec, path(5), BUF);
    assertThat(run(in)).contains("model gave up: exec of an existing file");
  }

  /** A model judge of a server whose table holds the one call {@code words}, told of its go. */
  private static final class OneCall implements ModelJudge.View {
    static final int SERVER = 3;
    final byte[][] memory = new byte[(int) (UserPrograms.SERVER_SIZE / 4096)][];
    final long[] regs = new long[32];
    final ModelJudge judge;
    final long console;

    OneCall(long... words) {
      for (int p = 0; p < memory.length; p++) memory[p] = new byte[4096];
      SyscallArgsTarget.Input in =
          new SyscallArgsTarget.Input(
              java.util.List.of(), new byte[0], java.util.List.<long[]>of(words));
      byte[] table = SyscallArgsTarget.table(in, java.util.Set.of());
      for (int i = 0; i < table.length; i++) {
        long va = UserPrograms.TABLE + i;
        memory[(int) (va / 4096)][(int) (va % 4096)] = table[i];
      }
      var disk = KernelDifferentialJavaStage.standardDisk();
      // made as init makes it at its first boot
      try {
        console = xv6ckpt.kernel.fs.FileSystem.mount(disk).mknod("/console", (short) 1, (short) 0);
      } catch (xv6ckpt.kernel.fs.FsException e) {
        throw new IllegalStateException(e);
      }
      var fs = ModelJudge.fsModel(disk, java.util.List.of(1L, console));
      judge = new ModelJudge(this, fs, 2, (int) console, SERVER);
      judge.onReturn(SERVER, Xv6Abi.SYS_read); // the go
    }

    /** The call at table entry 0 returned {@code result}. */
    java.util.Optional<ModelJudge.Divergence> returned(long number, long result) {
      regs[8] = UserPrograms.TABLE + 8; // s0: the entry the server's loop is at
      regs[10] = result;
      return judge.onReturn(SERVER, number);
    }

    @Override
    public boolean gone(int pid) {
      return pid != SERVER;
    }

    @Override
    public boolean observed(int pid) {
      return pid == SERVER;
    }

    @Override
    public long[] registers(int pid) {
      return regs.clone();
    }

    @Override
    public byte[][] memory(int pid) {
      return memory;
    }
  }

  @Test
  void onACKernelKillOfPidZeroReturningZeroIsXv6sBugAndEndsTheModel() {
    long[] killZero = {Xv6Abi.SYS_kill, 0, 0, 0, 0, 0, 0};
    // the model's own answer: kill(0) finds no process
    assertThat(new OneCall(killZero).returned(Xv6Abi.SYS_kill, 0).get().detail())
        .contains("returned 0, the model allows -1");
    OneCall xv6 = new OneCall(killZero);
    xv6.judge.forXv6();
    assertThat(xv6.returned(Xv6Abi.SYS_kill, 0)).isEmpty();
    assertThat(xv6.judge.lost())
        .hasValue("xv6's kill(0) marked a free process slot killed (kill-pid-zero)");
    // argint reads the low 32 bits: kill(0x600000000) is kill(0)
    OneCall wide = new OneCall(Xv6Abi.SYS_kill, 0x6_0000_0000L, 0, 0, 0, 0, 0);
    wide.judge.forXv6();
    assertThat(wide.returned(Xv6Abi.SYS_kill, 0)).isEmpty();
    // only pid 0: kill(5) of no process returning 0 is still a difference
    OneCall five = new OneCall(Xv6Abi.SYS_kill, 5, 0, 0, 0, 0, 0);
    five.judge.forXv6();
    assertThat(five.returned(Xv6Abi.SYS_kill, 0)).isPresent();
  }

  @Test
  void onACKernelAReadOfTheConsoleEndsTheModelButAFilesReadIsJudged() {
    long[] readConsole = {Xv6Abi.SYS_read, 0, UserPrograms.BUF, 64, 0, 0, 0};
    // the model: the console's input ended after the go, so 0; xv6 hands over the go's newline
    assertThat(new OneCall(readConsole).returned(Xv6Abi.SYS_read, 1).get().detail())
        .contains("returned 1, the model allows 0");
    OneCall xv6 = new OneCall(readConsole);
    xv6.judge.forXv6();
    assertThat(xv6.returned(Xv6Abi.SYS_read, 1)).isEmpty();
    assertThat(xv6.judge.lost())
        .hasValue("a read of xv6's console (the go line's newline, then no end of file)");
    // fd 5 is no descriptor: -1, judged as before
    OneCall none = new OneCall(Xv6Abi.SYS_read, 5, UserPrograms.BUF, 64, 0, 0, 0);
    none.judge.forXv6();
    assertThat(none.returned(Xv6Abi.SYS_read, 1)).isPresent();
  }

  /** Puts the struct stat of the console (xv6's stat.h layout) at va, its padding as given. */
  private static void putConsoleStat(OneCall c, long va, int padding) {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.wrap(c.memory[(int) (va / 4096)], (int) (va % 4096), 24)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(1).putInt((int) c.console).putShort((short) 3).putShort((short) 1);
    b.putInt(padding).putLong(0); // pad, then size
  }

  @Test
  void onACKernelFstatsPaddingIsXv6sStackButEveryFieldIsJudged() {
    long st = UserPrograms.BUF + 64;
    long[] fstatConsole = {Xv6Abi.SYS_fstat, 0, st, 0, 0, 0, 0};
    OneCall zeros = new OneCall(fstatConsole);
    putConsoleStat(zeros, st, 0);
    assertThat(zeros.returned(Xv6Abi.SYS_fstat, 0)).isEmpty(); // the layout above is the model's
    // xv6's filestat leaves 4 bytes of its kernel stack in the padding: the model wants zeros
    OneCall leaked = new OneCall(fstatConsole);
    putConsoleStat(leaked, st, 0x3f);
    assertThat(leaked.returned(Xv6Abi.SYS_fstat, 0).get().detail())
        .contains("the byte at 0x" + Long.toHexString(st + 12) + " is 0x3f");
    OneCall xv6 = new OneCall(fstatConsole);
    xv6.judge.forXv6();
    putConsoleStat(xv6, st, 0x3f);
    assertThat(xv6.returned(Xv6Abi.SYS_fstat, 0)).isEmpty();
    assertThat(xv6.judge.lost()).isEmpty(); // judging goes on
    // a wrong field is still a difference on a C kernel: nlink 2
    OneCall nlink = new OneCall(fstatConsole);
    nlink.judge.forXv6();
    putConsoleStat(nlink, st, 0x3f);
    nlink.memory[(int) (st / 4096)][(int) (st % 4096) + 10] = 2;
    assertThat(nlink.returned(Xv6Abi.SYS_fstat, 0).get().detail())
        .contains("the byte at 0x" + Long.toHexString(st + 10) + " is 0x2");
  }
}
