package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.UserPrograms.*;
import static xv6ckpt.testkit.Xv6Abi.SYS_kill;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.KernelIdentity;
import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Stat;

/**
 * What one kernel did with one syscall-args input, as the boundary shows it: the server's calls in
 * order (number, arguments, result, the bytes the kernel wrote into its memory), how the run ended,
 * the console, and the file tree and fsck's verdict after everything the input made is gone.
 */
record KernelDifferentialTrace(
    KernelIdentity kernel,
    KernelDifferentialStage.Pids pids,
    List<Call> calls,
    String end,
    String console,
    Map<String, String> tree,
    List<String> fsck) {

  /**
   * One call of the server's table, at its return: {@code index} in the table, a7 and a0..a5 as the
   * server issued them, a0 at the return, the runs of bytes of the server's memory that differ from
   * before the call, and its page count after (sbrk).
   */
  record Call(int index, long[] words, long result, List<Write> writes, int pages) {}

  /** A run of bytes the call changed: where, and the new bytes. */
  record Write(long va, byte[] bytes) {}

  /** The table the server runs on a side: the input's calls, kill's canonical pid made its own. */
  static byte[] table(SyscallArgsTarget.Input input, KernelDifferentialStage.Pids pids) {
    List<long[]> calls = new ArrayList<>();
    for (long[] w : input.calls()) {
      long[] c = w.clone();
      if (c[0] == SYS_kill) {
        // init and the bystander are kept alive as on syscall-args (kill of init panics in xv6)
        boolean kept = c[1] == 1 || c[1] == KernelDifferentialStage.Pids.CANONICAL_BYSTANDER;
        c[1] = kept ? -1 : pids.toKernel(c[1]);
      }
      calls.add(c);
    }
    return SyscallArgsTarget.table(
        new SyscallArgsTarget.Input(input.paths(), input.buffer(), calls), java.util.Set.of());
  }

  /** Runs one input on {@code stage} from its snapshot and records it. */
  static KernelDifferentialTrace record(KernelDifferentialStage stage, byte[] bytes) {
    KernelUnderTest<?> k = stage.kernel();
    stage.reset();
    stage.started();
    int from = k.console().length();
    SyscallArgsTarget.Input in = SyscallArgsTarget.decode(bytes);
    long space = stage.serverSpace();
    for (int i = 0; i < in.paths().size(); i++) {
      writePath(k, space, SyscallArgsTarget.DICTIONARY.length + i, in.paths().get(i));
    }
    UserPages.write(k.memory(), space, BUF, in.buffer());
    byte[] table = table(in, stage.pids());
    UserPages.write(k.memory(), space, TABLE, table);
    stage.go();
    List<Call> calls = new ArrayList<>();
    String end = run(stage, table, calls);
    if (!end.startsWith("panic")) {
      String left = stage.cleanup();
      if (!left.isEmpty()) end += ", " + left;
    }
    MemoryBlockDevice disk = k.disk();
    return new KernelDifferentialTrace(
        k.identity(),
        stage.pids(),
        calls,
        end,
        stage.consoleOfFamily(from),
        tree(disk),
        Fsck.checkLive(disk, stage.heldInodes()).violations().stream()
            .map(Object::toString)
            .toList());
  }

  static void writePath(KernelUnderTest<?> k, long space, int slot, byte[] s) {
    byte[] b = new byte[Math.min(s.length, PATH_SLOT - 1) + 1];
    System.arraycopy(s, 0, b, 0, b.length - 1);
    UserPages.write(k.memory(), space, PATHS + (long) slot * PATH_SLOT, b);
  }

  /**
   * Runs until the server is gone or the budget is spent, recording each return in the server's
   * address space that is a call of its table (s0 at the entry, in order: the go read before the
   * table and a child reusing a freed page-table root are not).
   */
  private static String run(KernelDifferentialStage stage, byte[] table, List<Call> calls) {
    KernelUnderTest<?> k = stage.kernel();
    long space = stage.serverSpace();
    byte[][] before = UserPages.userBytes(k.memory(), space);
    long start = stage.now();
    int next = 0;
    while (!stage.serverGone()) {
      long left = stage.runBudget() - (stage.now() - start);
      if (left <= 0) return "budget spent";
      Event e = k.run(left);
      if (e instanceof Event.Panicked p) return "panic: " + p.message();
      if (!(e instanceof Event.Returned returned)) {
        // asleep for ever (idle) or out of budget, unless the server's exit was the last thing
        return stage.serverGone()
            ? "server gone"
            : e instanceof Event.Idle ? "idle" : "budget spent";
      }
      Event.Returned r = stage.seen(returned);
      if (r.space() != space) continue;
      byte[][] after = UserPages.userBytes(k.memory(), space);
      long s0 = k.userRegisters()[8];
      int index = (int) ((s0 - TABLE - 8) / ENTRY_BYTES);
      boolean ofTable = s0 >= TABLE + 8 && (s0 - TABLE - 8) % ENTRY_BYTES == 0 && index < MAX_CALLS;
      if (ofTable && index >= next) {
        long[] words = new long[7];
        ByteBuffer t = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 7; i++) words[i] = t.getLong(8 + index * ENTRY_BYTES + 8 * i);
        calls.add(new Call(index, words, r.result(), writes(before, after), after.length));
        next = index + 1;
      }
      before = after;
    }
    return "server gone";
  }

  /** The runs of bytes that differ, page by page (a page mapped on one side only is all new). */
  static List<Write> writes(byte[][] before, byte[][] after) {
    List<Write> out = new ArrayList<>();
    for (int p = 0; p < after.length; p++) {
      byte[] a = after[p];
      if (a == null) continue;
      byte[] b = p < before.length && before[p] != null ? before[p] : new byte[a.length];
      if (java.util.Arrays.equals(a, b)) continue;
      for (int i = 0; i < a.length; ) {
        if (a[i] == b[i]) {
          i++;
          continue;
        }
        int j = i;
        while (j < a.length && a[j] != b[j]) j++;
        out.add(new Write((long) p * a.length + i, java.util.Arrays.copyOfRange(a, i, j)));
        i = j;
      }
    }
    return out;
  }

  /**
   * The file tree of the disk as our own reader sees it (on a copy: mounting recovers the log):
   * every path with its type, link count, size and, for files, the bytes' digest.
   */
  static Map<String, String> tree(MemoryBlockDevice disk) {
    Map<String, String> out = new TreeMap<>();
    try {
      FileSystem fs = FileSystem.mount(new MemoryBlockDevice(disk.blockSize(), disk.contents()));
      walk(fs, "/", out, 0);
    } catch (FsException | RuntimeException e) {
      out.put("/", "unreadable: " + e.getMessage());
    }
    return out;
  }

  private static void walk(FileSystem fs, String dir, Map<String, String> out, int depth)
      throws FsException {
    for (FileSystem.Entry e : fs.list(dir)) {
      if (e.name().equals(".") || e.name().equals("..")) continue;
      String path = (dir.equals("/") ? "/" : dir + "/") + e.name();
      Stat st = e.stat();
      String what = "type " + st.type() + " nlink " + st.nlink() + " size " + st.size();
      if (st.type() == Stat.T_FILE) {
        what += " sha256 " + KernelIdentity.sha256(fs.readFile(path)).substring(0, 16);
      }
      out.put(path, what);
      if (st.type() == Stat.T_DIR && depth < 8) walk(fs, path, out, depth + 1);
    }
  }
}
