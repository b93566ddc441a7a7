package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.UserPrograms.*;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.harness.rig.KernelIdentity;
import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.specs.SyscallModel;

/**
 * What one kernel did with one syscall-args input, as the boundary shows it: each process of the
 * server's family with its calls in order (number, arguments, result, the bytes the kernel wrote
 * into its memory), which of them a kill found, how the run ended, the console, and the file tree
 * and fsck's verdict after everything the input made is gone.
 *
 * <p>A process is named by where it was made, not by its pid: {@link #SERVER} for the server, its
 * parent's name, "/" and the table index of the fork that made it for a child ("server/2/5": the
 * server's fork at call 2 made a child whose fork at call 5 made this one). Both kernels give one
 * program the same names whatever order the family ran in; pids, which xv6 hands out from one
 * counter in creation order (proc.c allocpid), do not.
 *
 * <p>{@code lostBirths}: children the boundary could not name. A C kernel's child is matched to its
 * parent's fork by the registers it starts with ({@code ElfKernel.reportForkChildren}); in a fork
 * bomb many processes fork at the same call in the same state, so a child may be taken for a
 * sibling's that is already named, or not be seen born at all (an address space whose returns no
 * birth named, the stage's own processes and the shell's child aside; exec's new space counts too),
 * and its calls are not recorded.
 */
record KernelDifferentialTrace(
    KernelIdentity kernel,
    KernelDifferentialStage.Pids pids,
    Map<String, List<Call>> procs,
    Set<String> killed,
    String end,
    String console,
    Map<String, String> tree,
    List<String> fsck,
    int lostBirths) {

  /** The server's name. */
  static final String SERVER = "server";

  /**
   * One call of a process's table, at its return: {@code index} in the table, the call number (a7
   * as xv6's syscall() reads it, an int: a7 = 0x1_0000_000b is getpid) and a0..a5 as the process
   * issued them, a0 at the return and, for a pid (fork's in the parent, getpid's, wait's), the name
   * of the process it is ({@code named}; else null), the runs of bytes of the process's memory that
   * differ from its last return (or its birth), its page count after (sbrk), whether the family had
   * forked on this side before it ({@code concurrent}: another process may have run beside it),
   * and, for a call that allocates (fork, sbrk, exec, pipe, open) and returned -1, what the kernel
   * had left then ({@code supply}; else null).
   */
  record Call(
      int index,
      long[] words,
      long result,
      String named,
      List<Write> writes,
      int pages,
      boolean concurrent,
      Supply supply) {

    /** The same call with another name for the pid it returned. */
    Call named(String n) {
      return new Call(index, words, result, n, writes, pages, concurrent, supply);
    }
  }

  /**
   * What a kernel had left at the return of an allocating call that failed, and what the call could
   * have needed: free pages, free process slots, free open-file entries ({@link
   * KernelUnderTest#freePages} and the others), and the most pages the call allocates ({@code
   * need}, see {@link #need}); -1 for what the kernel or the boundary does not show. Read at the
   * return, not at the failure: on a C kernel a timer interrupt may let other processes run in
   * between (xv6's kerneltrap yields), which {@code alone} tells ({@link
   * KernelUnderTest#ranAlone}): where it is false the figures may be later than the failure, and
   * cannot clear it.
   */
  record Supply(int pages, int slots, int files, long need, boolean alone) {
    static Supply of(KernelUnderTest<?> k, long need) {
      return new Supply(
          k.freePages().orElse(-1),
          k.freeProcSlots().orElse(-1),
          k.freeFileSlots().orElse(-1),
          need,
          k.ranAlone());
    }

    @Override
    public String toString() {
      return shown(pages)
          + " free pages (the call needs at most "
          + shown(need)
          + "), "
          + shown(slots)
          + " free process slots, "
          + shown(files)
          + " free open-file entries"
          + (alone ? "" : ", read after other processes ran during the call");
    }

    private static String shown(long v) {
      return v < 0 ? "unknown" : "" + v;
    }
  }

  /** A run of bytes the call changed: where, and the new bytes. */
  record Write(long va, byte[] bytes) {}

  /** The calls that allocate pages or table slots, so that one kernel may be short of them. */
  static boolean allocating(long number) {
    return number == SYS_fork || number == SYS_sbrk || number == SYS_exec || number == SYS_pipe;
  }

  /**
   * The most pages the call of {@code words} allocates in xv6 (kalloc calls), made by a process of
   * {@code pages} pages, where {@code image} gives the highest address of the program an exec loads
   * (-1: unknown); -1 where that is not known. Page tables: one level-1 table per GiB and one
   * level-0 table per 2 MiB of the range mapped, plus one of each for a range's ragged ends.
   *
   * <ul>
   *   <li>fork: allocproc's trapframe, proc_pagetable's root and its two tables for the trampoline
   *       (4), and uvmcopy's copy of every page with its tables;
   *   <li>sbrk(n), n as the int argint reads: growproc's pages up to n with their tables (0 for n
   *       at most 0, which allocates nothing);
   *   <li>pipe: pipealloc's one page; open: none (it needs an open-file entry);
   *   <li>exec: proc_pagetable's 3, every page up to the image's highest segment end with their
   *       tables (exec's uvmalloc grows from 0), and the stack with its guard page (2).
   * </ul>
   */
  static long need(long[] words, int pages, long image) {
    long n = words[0];
    if (n == SYS_fork) return 4 + pages + tables(pages);
    if (n == SYS_pipe) return 1;
    if (n == SYS_open) return 0; // an open-file entry, no page
    if (n == SYS_sbrk) {
      long grow = (int) words[1];
      long p = (grow + 4095) / 4096;
      return grow <= 0 ? 0 : p + tables(p);
    }
    if (n == SYS_exec && image >= 0) {
      long p = (image + 4095) / 4096;
      return 3 + p + tables(p) + 2;
    }
    return -1;
  }

  /** Level-1 and level-0 page tables for a range of {@code pages} pages (both ends ragged). */
  private static long tables(long pages) {
    return pages / (512L * 512) + 1 + pages / 512 + 1;
  }

  /** The server's calls. */
  List<Call> calls() {
    return procs.getOrDefault(SERVER, List.of());
  }

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
    Recorder rec = new Recorder(stage, table);
    String end = rec.run();
    if (!end.startsWith("panic")) {
      String left = stage.cleanup();
      if (!left.isEmpty()) end += ", " + left;
    }
    MemoryBlockDevice disk = k.disk();
    return new KernelDifferentialTrace(
        k.identity(),
        stage.pids(),
        rec.procs(),
        rec.killed(),
        end,
        stage.consoleOfFamily(from),
        tree(disk),
        Fsck.checkLive(disk, stage.heldInodes()).violations().stream()
            .map(Object::toString)
            .toList(),
        rec.lostBirths + rec.unnamedSpaces.size());
  }

  static void writePath(KernelUnderTest<?> k, long space, int slot, byte[] s) {
    byte[] b = new byte[Math.min(s.length, PATH_SLOT - 1) + 1];
    System.arraycopy(s, 0, b, 0, b.length - 1);
    UserPages.write(k.memory(), space, PATHS + (long) slot * PATH_SLOT, b);
  }

  /** The table index the server's loop is at, from s0, or -1 when s0 names no entry. */
  static int tableIndex(long s0) {
    long off = s0 - TABLE - 8;
    return off >= 0 && off % ENTRY_BYTES == 0 && off / ENTRY_BYTES < MAX_CALLS
        ? (int) (off / ENTRY_BYTES)
        : -1;
  }

  /**
   * One side's recording: the family's address spaces by process name, each process's calls, and
   * the pids the side's forks handed out, by name.
   */
  private static final class Recorder {
    /** Slices the run is cut into, so that the family's end is seen soon after it comes. */
    static final long SLICE = 2_000_000;

    final KernelDifferentialStage stage;
    final KernelUnderTest<?> k;
    final byte[] table;
    final Map<String, List<Call>> procs = new LinkedHashMap<>();
    final Map<Long, String> spaces = new HashMap<>();
    final Map<String, byte[][]> before = new HashMap<>();
    final Map<String, Integer> next = new HashMap<>();
    final Map<Long, String> names = new HashMap<>();
    final List<Long> killedPids = new ArrayList<>();
    boolean forked;

    /** How many mix-ups of two children getpid resolved ({@link #ownName}). */
    int swaps;

    /** A birth's name to give instead, after a mix-up resolved before the birth. */
    final Map<String, String> unbornNames = new HashMap<>();

    /** Children taken for a process already named (see the record's lostBirths). */
    int lostBirths;

    /** Address spaces, not the stage's own processes, whose returns no birth named. */
    final Set<Long> unnamedSpaces = new java.util.HashSet<>();

    /** Children of processes outside the family (the shell's). */
    final Set<Long> outsiders = new java.util.HashSet<>();

    Recorder(KernelDifferentialStage stage, byte[] table) {
      this.stage = stage;
      this.k = stage.kernel();
      this.table = table;
      KernelDifferentialStage.Pids p = stage.pids();
      names.put((long) p.init(), "init");
      names.put((long) p.bystander(), "bystander");
      names.put((long) p.server(), SERVER);
      born(SERVER, stage.serverSpace(), 0);
    }

    private void born(String name, long space, int next) {
      spaces.put(space, name);
      procs.put(name, new ArrayList<>());
      before.put(name, UserPages.userBytes(k.memory(), space));
      this.next.put(name, next);
    }

    /**
     * Runs until the family is gone, or the server is gone and no call of the family returned for
     * the stage's quiet budget, or the budget is spent; records each return in a family's address
     * space that is a call of its table (s0 names the entry; the go read before the table is not).
     */
    String run() {
      long start = stage.now();
      long lastReturn = start;
      while (!stage.familyGone()) {
        long now = stage.now();
        long left = stage.runBudget() - (now - start);
        if (left <= 0) return "budget spent";
        if (stage.serverGone() && now - lastReturn >= stage.quietBudget()) return "family quiet";
        Event e = k.run(Math.min(left, SLICE));
        if (e instanceof Event.Panicked p) return "panic: " + p.message();
        if (e instanceof Event.Idle) return stage.familyGone() ? "family gone" : "idle";
        if (!(e instanceof Event.Returned returned)) continue;
        Event.Returned r = stage.seen(returned);
        Optional<KernelDifferentialStage.Birth> b = stage.birth(r);
        if (b.isPresent() && spaces.containsKey(b.get().parent())) {
          int at = tableIndex(k.userRegisters()[8]); // the child's s0 is its parent's
          String child = spaces.get(b.get().parent()) + "/" + at;
          child = unbornNames.getOrDefault(child, child);
          if (at >= 0 && !procs.containsKey(child)) born(child, b.get().child(), at + 1);
          else if (at >= 0 && !spaces.containsKey(b.get().child())) lostBirths++;
          if (r.space() == b.get().child()) continue; // a C child's first return: no call
        }
        if (b.isPresent() && !spaces.containsKey(b.get().parent())) {
          outsiders.add(b.get().child()); // the shell's own child (the go line's empty command)
        }
        String name = spaces.get(r.space());
        if (name == null && stage.unnamed(r.space()) && !outsiders.contains(r.space())) {
          unnamedSpaces.add(r.space());
        }
        if (name == null) continue;
        lastReturn = stage.now();
        record(name, r);
      }
      return "family gone";
    }

    private void record(String name, Event.Returned r) {
      byte[][] after = UserPages.userBytes(k.memory(), r.space());
      int index = tableIndex(k.userRegisters()[8]);
      if (index >= next.get(name)) {
        long[] words = new long[7];
        ByteBuffer t = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 7; i++) words[i] = t.getLong(8 + index * ENTRY_BYTES + 8 * i);
        words[0] = SyscallModel.callNumber(words[0]); // what both kernels dispatch on
        String named = null; // getpid's and wait's: named once the run is over (see procs())
        if (r.result() > 0 && words[0] == SYS_fork) {
          named = name + "/" + index;
          names.put(r.result(), named);
        }
        if (words[0] == SYS_kill && r.result() == 0) killedPids.add(words[1]);
        if (words[0] == SYS_getpid) name = ownName(name, r.result());
        Supply supply =
            r.result() == -1 && (allocating(words[0]) || words[0] == SYS_open)
                ? Supply.of(k, need(words, after.length, image(words, after)))
                : null;
        procs
            .get(name)
            .add(
                new Call(
                    index,
                    words,
                    r.result(),
                    named,
                    writes(before.get(name), after),
                    after.length,
                    forked,
                    supply));
        if (words[0] == SYS_fork && r.result() > 0) forked = true;
        next.put(name, index + 1);
      }
      before.put(name, after);
    }

    /**
     * For an exec: one past the highest address of the ELF at its path on this side's disk (read
     * through our own file system, on a copy), or -1 for another call, a relative path (the
     * boundary does not see the cwd), or a file that is not an ELF with loadable segments.
     */
    private long image(long[] words, byte[][] memory) {
      if (words[0] != SYS_exec) return -1;
      Optional<String> path =
          cString(memory, words[1], xv6ckpt.specs.Xv6.MAXPATH); // exec's fetchstr
      if (path.isEmpty() || !path.get().startsWith("/")) return -1;
      try {
        MemoryBlockDevice disk = k.disk();
        FileSystem fs = FileSystem.mount(new MemoryBlockDevice(disk.blockSize(), disk.contents()));
        byte[] elf = fs.readFile(path.get());
        Elf64.Header h = Elf64.parseHeader(elf);
        long top = -1;
        for (int i = 0; i < h.phnum(); i++) {
          Elf64.ProgramHeader ph =
              Elf64.parseProgramHeader(elf, (int) h.phoff() + i * h.phentsize());
          if (ph.isLoad()) top = Math.max(top, ph.vend());
        }
        return top;
      } catch (FsException | Elf64.ElfException | RuntimeException e) {
        return -1; // exec fails here for the file's sake, which both kernels judge alike
      }
    }

    /**
     * The name of the process in {@code name}'s address space, now that getpid said its pid. On a C
     * kernel a child is told from its parent only by its registers (see {@link
     * xv6ckpt.harness.rig.ElfKernel#reportForkChildren}), so two children of two processes that
     * forked in the same state at the same table entry (a process and its clone, both at entry i)
     * may have been taken for each other; the pid their parents' forks returned tells them apart,
     * and the two names (with everything named under them) are swapped.
     */
    private String ownName(String name, long pid) {
      String own = names.get(pid);
      if (own == null || own.equals(name) || own.startsWith("pid ")) return name;
      if (!lastIndex(own).equals(lastIndex(name))) return name; // no such mix-up: a difference
      swaps++;
      Map<String, String> swap = Map.of(name, own, own, name);
      // address spaces, traces: the process and what it forked; pids: only what it forked (the
      // pids its parent's fork returned were named right)
      java.util.function.UnaryOperator<String> rename = n -> swapped(swap, n, true);
      java.util.function.UnaryOperator<String> below = n -> swapped(swap, n, false);
      // the other child, if not born yet, will be born under this one's old name
      if (!procs.containsKey(own)) unbornNames.put(own, name);
      spaces.replaceAll((space, n) -> rename.apply(n));
      names.replaceAll((p, n) -> below.apply(n));
      Map<String, List<Call>> calls = new LinkedHashMap<>();
      procs.forEach(
          (n, cs) -> {
            List<Call> renamed = new ArrayList<>();
            for (Call c : cs) {
              renamed.add(c.named(c.named() == null ? null : below.apply(c.named())));
            }
            calls.put(rename.apply(n), renamed);
          });
      procs.clear();
      procs.putAll(calls);
      Map<String, byte[][]> b = new HashMap<>();
      before.forEach((n, v) -> b.put(rename.apply(n), v));
      before.clear();
      before.putAll(b);
      Map<String, Integer> nx = new HashMap<>();
      next.forEach((n, v) -> nx.put(rename.apply(n), v));
      next.clear();
      next.putAll(nx);
      return own;
    }

    private static String swapped(Map<String, String> swap, String n, boolean itself) {
      for (Map.Entry<String, String> e : swap.entrySet()) {
        if ((itself && n.equals(e.getKey())) || n.startsWith(e.getKey() + "/")) {
          return e.getValue() + n.substring(e.getKey().length());
        }
      }
      return n;
    }

    private static String lastIndex(String name) {
      return name.substring(name.lastIndexOf('/') + 1);
    }

    /**
     * The processes' calls with getpid's and wait's pids named: after the run, since on a C kernel
     * a child may run before its parent's fork returns the pid.
     */
    Map<String, List<Call>> procs() {
      Map<String, List<Call>> out = new LinkedHashMap<>();
      procs.forEach((name, calls) -> out.put(name, calls.stream().map(this::named).toList()));
      return out;
    }

    private Call named(Call c) {
      long n = c.words()[0];
      if (c.result() <= 0 || (n != SYS_getpid && n != SYS_wait)) return c;
      return c.named(names.getOrDefault(c.result(), "pid " + c.result()));
    }

    /** The processes a kill found, by name (a pid no fork of the family handed out: by pid). */
    Set<String> killed() {
      Set<String> out = new TreeSet<>();
      for (long pid : killedPids) out.add(names.getOrDefault(pid, "pid " + pid));
      return out;
    }
  }

  /**
   * The NUL-terminated string at {@code va} in a process's pages, if it ends within {@code max}.
   */
  static Optional<String> cString(byte[][] memory, long va, int max) {
    StringBuilder out = new StringBuilder();
    for (long a = va; a - va < max; a++) {
      long page = a >>> 12;
      if (a < 0 || page >= memory.length || memory[(int) page] == null) return Optional.empty();
      byte b = memory[(int) page][(int) (a & 4095)];
      if (b == 0) return Optional.of(out.toString());
      out.append((char) (b & 0xFF));
    }
    return Optional.empty();
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
