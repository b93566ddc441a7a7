package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.UserPrograms.ENTRY_BYTES;
import static xv6ckpt.harness.fuzz.UserPrograms.SERVER_END;
import static xv6ckpt.harness.fuzz.UserPrograms.SERVER_SIZE;
import static xv6ckpt.harness.fuzz.UserPrograms.TABLE;
import static xv6ckpt.testkit.Xv6Abi.SYS_fstat;
import static xv6ckpt.testkit.Xv6Abi.SYS_kill;
import static xv6ckpt.testkit.Xv6Abi.SYS_read;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.Dinode;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Superblock;
import xv6ckpt.specs.FsModel;
import xv6ckpt.specs.SyscallModel;
import xv6ckpt.specs.SyscallModel.Judgement;
import xv6ckpt.specs.UserSpace;
import xv6ckpt.testkit.Xv6Abi;

/**
 * syscall-args' second oracle: every call the syscall server and its forked copies complete is held
 * against the spec's {@link SyscallModel}, call by call in the order the calls complete (the
 * machine stops at every return to user mode), for the value it returned and the bytes it wrote to
 * the process's memory (every other byte of that memory must be unchanged). Exits, which return
 * nothing, are checked when a process is seen gone.
 *
 * <p>What the model is told comes from the architectural boundary: each process's next call is read
 * from its own memory and registers (the server's loop keeps the current table entry in s0 and the
 * calls left in s1); its memory through the harness's page-table walk. The kernel's process table
 * only says when a process is gone. When the model says it cannot know, judging ends for the input
 * (the summary says why) and the target's other checks go on.
 */
final class ModelJudge {
  /** One divergence: which rule, and the bug report's line. */
  record Divergence(String rule, String detail) {}

  /**
   * What the judge reads of the kernel, by pid: the stopped process's registers and memory, and
   * whether a process is gone. The Java kernel's view reads its process table; a C kernel's (see
   * {@code SyscallArgsElfTarget}) knows only what the boundary shows.
   */
  interface View {
    /** Whether pid can no longer make calls (gone, or a zombie). */
    boolean gone(int pid);

    /** Whether pid's calls are observed: false ends judging for this pid's stop silently. */
    boolean observed(int pid);

    /** x0..x31 (and more) of the process stopped at its return. */
    long[] registers(int pid);

    /** Its user memory, page by page ({@link UserPages#userBytes}). */
    byte[][] memory(int pid);
  }

  /** The Java kernel's view: its process table and page tables. */
  private static View javaView(Machine m) {
    return new View() {
      @Override
      public boolean gone(int pid) {
        Optional<Process> q = m.proc().byPid(pid);
        return q.isEmpty() || q.get().state() == Process.State.ZOMBIE;
      }

      @Override
      public boolean observed(int pid) {
        return m.proc().byPid(pid).isPresent();
      }

      @Override
      public long[] registers(int pid) {
        return m.userRegisters(m.proc().byPid(pid).orElseThrow());
      }

      @Override
      public byte[][] memory(int pid) {
        return UserPages.userBytes(m.memory(), m.proc().byPid(pid).orElseThrow());
      }
    };
  }

  private final View m;
  private final SyscallModel model;
  private final int serverPid;
  private final Map<Integer, byte[][]> memory = new HashMap<>();
  private boolean started;

  /** A judge for the machine as the snapshot left it: fsModel copied, the server at its go. */
  ModelJudge(Machine m, FsModel fsModel, int nfileOutside, int consoleInum, int serverPid) {
    this(javaView(m), fsModel, nfileOutside, consoleInum, serverPid);
  }

  /** A judge reading the kernel through {@code view}. */
  ModelJudge(View view, FsModel fsModel, int nfileOutside, int consoleInum, int serverPid) {
    this.m = view;
    this.serverPid = serverPid;
    this.model = new SyscallModel(fsModel.copy(), nfileOutside, TABLE, SERVER_SIZE);
    model.spawn(serverPid, UserSpace.afterExec(SERVER_END, 1), consoleInum);
  }

  Optional<String> lost() {
    return model.lost().or(() -> givenUp);
  }

  /** Why the harness stopped judging (what the model cannot be told), if it did. */
  private Optional<String> givenUp = Optional.empty();

  /** Ends judging for this input: the summary says why. */
  void giveUp(String why) {
    if (lost().isEmpty()) givenUp = Optional.of(why);
  }

  /** Whether the kernel is xv6 ({@link #forXv6}). */
  private boolean xv6;

  /**
   * For a C kernel: takes kill(0) returning 0 as xv6's known bug, not a difference, and stops at a
   * read of the console, whose input the model takes to have ended after the harness's one byte: on
   * xv6 the go is a line, its newline stays for the first reader, and then a read sleeps (the
   * console has no end of file). Kill(0): proc.c kill matches {@code p->pid == pid} over every
   * slot, and an UNUSED slot's pid is 0 (freeproc clears it), so kill(0) marks a free slot killed
   * and returns 0; allocproc does not clear {@code killed}, so the next process made there exits at
   * its first call. The model cannot follow that, so judging ends there (the verdict says why).
   * Also takes fstat's struct stat padding as xv6 leaves it ({@link #withStatPadding}). For C
   * kernels; the Java kernel returns -1 as the model does.
   */
  void forXv6() {
    xv6 = true;
  }

  /**
   * Judges the stop at pid's return from call number (a7). Empty if it agrees or the model gave up.
   */
  Optional<Divergence> onReturn(int pid, long number) {
    number = SyscallModel.callNumber(number); // the call xv6 dispatched (entry)
    Optional<Divergence> d = exits(pid);
    if (d.isPresent() || lost().isPresent()) {
      return d;
    }
    if (!m.observed(pid) || !model.live().contains(pid)) {
      return Optional.empty(); // init reaping, or a process the model does not run
    }
    long[] regs = m.registers(pid);
    byte[][] after = m.memory(pid);
    if (!started && pid == serverPid) {
      started = true; // the harness's "go": the table starts now
      memory.put(pid, after);
      model.pending(pid, next(after, TABLE + 8 - ENTRY_BYTES, 1 + word(after, TABLE)));
      return Optional.empty();
    }
    byte[][] before = memory.get(pid);
    long[] call = current(before, regs);
    if (call[0] != number) {
      return Optional.of(
          new Divergence(
              "result-mismatch",
              "pid "
                  + pid
                  + " returned from call number "
                  + number
                  + ", its program issued "
                  + describe(call)));
    }
    long actual = regs[10];
    if (xv6 && call[0] == SYS_kill && (int) call[1] == 0 && actual == 0) { // argint's int
      giveUp("xv6's kill(0) marked a free process slot killed (kill-pid-zero)");
      return Optional.empty();
    }
    if (xv6 && call[0] == SYS_read && model.isConsole(pid, (int) call[1])) {
      giveUp("a read of xv6's console (the go line's newline, then no end of file)");
      return Optional.empty();
    }
    Judgement j = model.call(pid, (va, n) -> read(before, va, n), actual);
    if (j instanceof Judgement.Differs diff) {
      return Optional.of(
          new Divergence(
              "result-mismatch",
              index(regs)
                  + " (pid "
                  + pid
                  + "): "
                  + describe(call)
                  + " returned "
                  + actual
                  + ", the model allows "
                  + diff.expected()));
    }
    if (j instanceof Judgement.Agrees a) {
      List<SyscallModel.Write> writes = a.writes();
      if (xv6 && call[0] == SYS_fstat) {
        writes = withStatPadding(writes, call[2], after);
      }
      Optional<String> bad = compare(before, after, writes);
      if (bad.isPresent()) {
        return Optional.of(
            new Divergence(
                "write-mismatch",
                index(regs)
                    + " (pid "
                    + pid
                    + "): "
                    + describe(call)
                    + " returned "
                    + actual
                    + ", "
                    + bad.get()));
      }
    }
    memory.put(pid, after);
    long[] next = next(after, regs[8], regs[9]);
    model.pending(pid, next);
    if (number == Xv6Abi.SYS_fork && actual > 0 && model.live().contains((int) actual)) {
      memory.put((int) actual, after); // the child's memory is the parent's, as is its next call
      model.pending((int) actual, next);
    }
    return Optional.empty();
  }

  /** Tells the model about processes gone since the last stop (all but the one at this stop). */
  Optional<Divergence> exits(int stopped) {
    if (givenUp.isPresent()) {
      return Optional.empty(); // the model was told less than happened: it cannot judge exits
    }
    for (int pid : List.copyOf(model.live())) {
      if (pid == stopped) {
        continue;
      }
      if (!m.gone(pid)) {
        continue;
      }
      if (model.exited(pid) instanceof Judgement.Differs d) {
        return Optional.of(
            new Divergence(
                "exit-mismatch", "pid " + pid + " exited; the model expects " + d.expected()));
      }
      memory.remove(pid);
    }
    return Optional.empty();
  }

  /** The call the server's loop is issuing: the entry at s0 (a7, a0..a5). */
  private static long[] current(byte[][] mem, long[] regs) {
    return entry(mem, regs[8]);
  }

  /**
   * The call after the entry at s0 with s1 calls left (this one included): the next, or exit(0).
   */
  private static long[] next(byte[][] mem, long s0, long s1) {
    if (s1 - 1 > 0) {
      return entry(mem, s0 + ENTRY_BYTES);
    }
    return new long[] {Xv6Abi.SYS_exit, 0, 0, 0, 0, 0, 0};
  }

  /** The call of the table entry at va: a7 (as xv6 takes it: SyscallModel.callNumber), a0..a5. */
  private static long[] entry(byte[][] mem, long va) {
    long[] w = new long[7];
    for (int i = 0; i < 7; i++) {
      w[i] = word(mem, va + 8L * i);
    }
    w[0] = SyscallModel.callNumber(w[0]);
    return w;
  }

  private static long word(byte[][] mem, long va) {
    return java.nio.ByteBuffer.wrap(read(mem, va, 8))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .getLong();
  }

  /**
   * n bytes from va, page by page with library copies (the fuzzer instruments this class, and a
   * loop per byte here would cost more than the kernel's call); unmapped bytes read as 0.
   */
  private static byte[] read(byte[][] mem, long va, int n) {
    byte[] out = new byte[n];
    int done = 0;
    while (done < n) {
      long a = va + done;
      long page = a / 4096;
      int off = (int) (a % 4096);
      int len = Math.min(n - done, 4096 - off);
      if (a >= 0 && page < mem.length && mem[(int) page] != null) {
        System.arraycopy(mem[(int) page], off, out, done, len);
      }
      done += len;
    }
    return out;
  }

  /** "call 7": the entry's index in the server's table. */
  private static String index(long[] regs) {
    return "call " + (regs[8] - TABLE - 8) / ENTRY_BYTES;
  }

  static String describe(long[] w) {
    String name = w[0] >= 1 && w[0] <= Xv6Abi.SYS_MAX ? Xv6Abi.name((int) w[0]) : "sys#" + w[0];
    StringBuilder b = new StringBuilder(name).append('(');
    for (int i = 1; i < 7; i++) {
      b.append(i == 1 ? "" : ", ").append("0x").append(Long.toHexString(w[i]));
    }
    return b.append(')').toString();
  }

  /**
   * The model's writes with the padding of the struct stat at {@code st} (bytes 12..15, between
   * nlink and size) as the kernel left them: xv6's filestat copies out a struct stat from its stack
   * that stati filled field by field, so those bytes are whatever the stack held (kdiff's
   * stat-padding rule). Every field is still compared.
   */
  private static List<SyscallModel.Write> withStatPadding(
      List<SyscallModel.Write> writes, long st, byte[][] after) {
    List<SyscallModel.Write> out = new ArrayList<>();
    for (SyscallModel.Write w : writes) {
      if (w.va() == st && w.bytes().length >= 16) {
        byte[] b = w.bytes().clone();
        System.arraycopy(read(after, st + 12, 4), 0, b, 12, 4);
        w = new SyscallModel.Write(st, b);
      }
      out.add(w);
    }
    return out;
  }

  /**
   * Whether after is before with exactly the writes applied: pages mapped only after (sbrk) must be
   * zero but for the writes; pages gone after were unmapped (sbrk), which the result judged.
   */
  private static Optional<String> compare(
      byte[][] before, byte[][] after, List<SyscallModel.Write> writes) {
    byte[][] want = new byte[after.length][];
    for (int i = 0; i < after.length; i++) {
      if (after[i] != null) {
        want[i] = i < before.length && before[i] != null ? before[i].clone() : new byte[4096];
      }
    }
    for (SyscallModel.Write w : writes) {
      int done = 0;
      while (done < w.bytes().length) {
        long va = w.va() + done;
        int page = (int) (va / 4096);
        int off = (int) (va % 4096);
        int len = Math.min(w.bytes().length - done, 4096 - off);
        if (page < want.length && want[page] != null) {
          System.arraycopy(w.bytes(), done, want[page], off, len);
        }
        done += len;
      }
    }
    for (int i = 0; i < after.length; i++) {
      if (after[i] != null && !Arrays.equals(after[i], want[i])) {
        int off = Arrays.mismatch(after[i], want[i]);
        long va = (long) i * 4096 + off;
        return Optional.of(
            "but the byte at 0x"
                + Long.toHexString(va)
                + " is 0x"
                + Integer.toHexString(after[i][off] & 0xff)
                + ", the model expects 0x"
                + Integer.toHexString(want[i][off] & 0xff)
                + " (the call wrote "
                + writes
                + ")");
      }
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ the model's first state

  /**
   * The file system of a clean disk as the model's first state: every allocated inode with its
   * type, links, device numbers and contents, read through a separate mount of a copy (the
   * machine's own caches are left alone). {@code held} inodes are referenced by processes outside
   * the model (init's and the bystander's working directory and console).
   */
  static FsModel fsModel(MemoryBlockDevice disk, List<Long> held) {
    MemoryBlockDevice copy = new MemoryBlockDevice(disk.blockSize(), disk.contents());
    Fs fs = Fs.mount(copy);
    Superblock sb = fs.superblock();
    FsModel model = new FsModel((int) sb.ninodes(), sb.size() - sb.dataStart());
    byte[] block = new byte[disk.blockSize()];
    for (long inum = 1; inum < sb.ninodes(); inum++) {
      copy.read(sb.iblock(inum), block);
      Dinode d = Dinode.decode(block, (int) (inum % FsFormat.IPB) * FsFormat.DINODE_SIZE);
      if (d.type() == 0) {
        continue;
      }
      Inode ip = fs.iget(inum);
      fs.ilock(ip);
      byte[] data = new byte[d.type() == 3 ? 0 : (int) ip.size()];
      fs.readi(ip, ByteSink.of(data), 0, 0, data.length);
      fs.iunlock(ip);
      model.load(
          (int) inum, d.type(), d.nlink(), d.major(), d.minor(), data, held.contains(inum) ? 1 : 0);
    }
    return model;
  }
}
