package xv6ckpt.specs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import xv6ckpt.specs.ProcessModel.WaitResult;

/**
 * xv6's system calls 1-21 as a model of their results: given the state it tracks (processes with
 * their descriptors, working directories and address spaces; the open-file table; pipes with their
 * buffered bytes; the file system, {@link FsModel}; the console output), each call gives the value
 * it returns and the bytes it writes to user memory (read's data, fstat's struct stat, pipe's fd
 * pair, wait's status). The harness feeds it the calls a kernel completed, in the order they
 * completed, and holds each result against it.
 *
 * <p>Where xv6 allows several answers the model says the set: fork's pid (any new one), fork, pipe
 * and an eager sbrk failing with -1 (the model does not count free pages), which zombie child wait
 * reaps, uptime (any value not below the last). A pipe read is exact: it completes atomically and
 * takes min(n, buffered) bytes. Where the model cannot know, it says {@link Judgement.Unknown} and
 * names why, and from then on judges nothing: a write into a full pipe (its bytes trickle in while
 * others run), a freed inode reached, the disk possibly full, a lazily grown page touched, exec of
 * a program, checkpoint and restore (their model is {@link CheckpointModel}), a process that wrote
 * over its own code.
 *
 * <p>Exits are not calls that return: the harness reports them ({@link #exited}) when it sees a
 * process gone, and the model checks that the process could exit (its next call was exit, or it was
 * killed) and applies what exit does.
 *
 * <p>Limits kept: NOFILE descriptors per process, NFILE open files (those of processes the model
 * does not run counted as given), MAXPATH for path arguments, DIRSIZ for names, PIPESIZE, MAXFILE
 * and filewrite's chunks of ((MAXOPBLOCKS-1-1-2)/2)*BSIZE bytes. NPROC and NINODE are not: fork may
 * fail anyway, and a full inode table is a panic the harness judges before the model.
 */
public final class SyscallModel {
  /** The console's output so far: what write() to a console descriptor sent. */
  private final StringBuilder console = new StringBuilder();

  /** Bytes of a process's memory before the call (the harness's copy). */
  @FunctionalInterface
  public interface UserMemory {
    /** The n bytes from va (the model asks only for bytes a copy reaches). */
    byte[] read(long va, int n);
  }

  /** Bytes a call wrote at va. */
  public record Write(long va, byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Write w && w.va == va && Arrays.equals(w.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(va) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Write[0x" + Long.toHexString(va) + ", " + bytes.length + " bytes]";
    }
  }

  /** The model's verdict on one completed call. */
  public sealed interface Judgement {
    /** The result is allowed; the call must have written exactly these bytes and no others. */
    record Agrees(List<Write> writes) implements Judgement {}

    /** The result is not allowed: {@code expected} says what was. */
    record Differs(String expected) implements Judgement {}

    /** The model cannot say; it judges nothing from here on. */
    record Unknown(String why) implements Judgement {}
  }

  /** An open file (xv6's struct file), shared by dup and fork. */
  static final class OFile {
    enum Kind {
      INODE,
      DEVICE,
      PIPE
    }

    final Kind kind;
    final int inum; // INODE and DEVICE
    final int pipe; // PIPE
    final boolean readable;
    final boolean writable;
    long off;
    int ref = 1;

    OFile(Kind kind, int inum, int pipe, boolean readable, boolean writable) {
      this.kind = kind;
      this.inum = inum;
      this.pipe = pipe;
      this.readable = readable;
      this.writable = writable;
    }
  }

  /** A pipe: the bytes it holds, which ends are open, and whether a blocked write spoils it. */
  static final class PipeM {
    byte[] buf = new byte[0];
    boolean readopen = true;
    boolean writeopen = true;
    boolean tainted;
  }

  /** A process the model runs. */
  static final class Proc {
    final int pid;
    final OFile[] ofile = new OFile[Xv6.NOFILE];
    int cwd;
    UserSpace space;
    boolean killed;
    long[] pending; // its next call: a7, a0..a5

    Proc(int pid) {
      this.pid = pid;
    }
  }

  private final FsModel fs;
  private final ProcessModel table = new ProcessModel();
  private final Map<Integer, Proc> procs = new TreeMap<>();
  private final Map<Integer, PipeM> pipes = new HashMap<>();
  private final Set<Integer> reapedByInit = new HashSet<>();
  private final int nfileOutside;
  private final long lowestSz;
  private final long codeBytes;
  private int nextPipe;
  private long lastUptime;
  private String lost;

  /**
   * A model over file system fs, with {@code nfileOutside} open files held by processes it does not
   * run. {@code codeBytes}: the first bytes of every process's address space are its code (a call
   * that writes there makes the process unpredictable); {@code lowestSz}: a process shrunk below
   * this loses the pages its program runs from.
   */
  public SyscallModel(FsModel fs, int nfileOutside, long codeBytes, long lowestSz) {
    this.fs = fs;
    this.nfileOutside = nfileOutside;
    this.codeBytes = codeBytes;
    this.lowestSz = lowestSz;
  }

  /**
   * A process started by the harness as init's child: descriptors 0, 1, 2 on one open file of the
   * console (inode {@code consoleInum}), working directory the root.
   */
  public void spawn(int pid, UserSpace space, int consoleInum) {
    table.fork(ProcessModel.INIT, pid);
    Proc p = new Proc(pid);
    p.space = space;
    p.cwd = FsModel.ROOTINO;
    fs.idup(FsModel.ROOTINO);
    OFile c = new OFile(OFile.Kind.DEVICE, consoleInum, -1, true, true);
    fs.idup(consoleInum);
    c.ref = 3;
    p.ofile[0] = c;
    p.ofile[1] = c;
    p.ofile[2] = c;
    procs.put(pid, p);
  }

  /** The call pid issues next ({@code a7, a0..a5}), as the harness reads it from its program. */
  public void pending(int pid, long[] words) {
    Proc p = procs.get(pid);
    if (p != null) {
      p.pending = words.clone();
      p.pending[0] = callNumber(words[0]);
    }
  }

  /**
   * The call a7 names: xv6's syscall() reads a7 into an int, so only its low 32 bits count (as a
   * signed number: 0x1_0000_000b is getpid, 0xffff_ffff is no call).
   */
  public static long callNumber(long a7) {
    return (int) a7;
  }

  /** Why the model stopped judging, if it did. */
  public Optional<String> lost() {
    return Optional.ofNullable(lost);
  }

  /** The pids of processes the model runs that have not exited. */
  public Set<Integer> live() {
    return java.util.Collections.unmodifiableSet(procs.keySet());
  }

  public String console() {
    return console.toString();
  }

  /** Whether pid's descriptor fd is open on the console device. */
  public boolean isConsole(int pid, int fd) {
    Proc p = procs.get(pid);
    OFile f = p == null ? null : fd(p, fd);
    return f != null && f.kind == OFile.Kind.DEVICE && fs.live(f.inum).major() == Xv6.CONSOLE;
  }

  // ------------------------------------------------------------------ the harness's two entries

  /** Process pid completed its pending call and returned {@code actual} in a0. */
  public Judgement call(int pid, UserMemory mem, long actual) {
    if (lost != null) {
      return new Judgement.Unknown(lost);
    }
    Proc p = procs.get(pid);
    if (p == null || p.pending == null) {
      return new Judgement.Differs("no call from pid " + pid + " (not a process the model runs)");
    }
    try {
      taint(); // a pending write may have blocked part-way before this call completed
      Judgement j = dispatch(p, p.pending, mem, actual);
      if (j instanceof Judgement.Differs) {
        lost = "the kernel diverged from the model at an earlier call"; // state is past judging
      }
      if (j instanceof Judgement.Agrees a) {
        for (Write w : a.writes()) {
          if (UserSpace.touches(w.va(), w.bytes().length, codeBytes)) {
            throw new FsModel.Unknown("a call wrote over the program's code");
          }
        }
        taint();
      }
      return j;
    } catch (FsModel.Unknown u) {
      lost = u.getMessage();
      return new Judgement.Unknown(lost);
    }
  }

  /** Process pid is gone (a zombie or reaped): it exited. */
  public Judgement exited(int pid) {
    if (lost != null) {
      return new Judgement.Unknown(lost);
    }
    Proc p = procs.get(pid);
    if (p == null) {
      return new Judgement.Differs("pid " + pid + " exited, but the model has no such process");
    }
    int status;
    boolean killsItself =
        p.pending != null && p.pending[0] == Xv6.SYS_kill && (int) p.pending[1] == pid;
    if (p.killed || killsItself) {
      status = -1; // kill(getpid()) does not return: the process exits on its way out
    } else if (p.pending != null && p.pending[0] == Xv6.SYS_exit) {
      status = (int) p.pending[1];
    } else {
      lost = "the kernel diverged from the model at an earlier exit";
      return new Judgement.Differs(
          "pid " + pid + " to live on (its next call is not exit and it was not killed)");
    }
    try {
      taint();
      doExit(p, status);
      taint();
      return new Judgement.Agrees(List.of());
    } catch (FsModel.Unknown u) {
      lost = u.getMessage();
      return new Judgement.Unknown(lost);
    }
  }

  // ------------------------------------------------------------------ dispatch

  private Judgement dispatch(Proc p, long[] w, UserMemory mem, long actual) {
    long n = w[0];
    if (n < 1 || n > Xv6.SYS_restore) {
      return exactly(-1, actual, List.of()); // "unknown sys call"
    }
    switch ((int) n) {
      case Xv6.SYS_fork:
        return fork(p, actual);
      case Xv6.SYS_exit:
        return new Judgement.Differs("exit not to return");
      case Xv6.SYS_wait:
        return waitCall(p, w[1], actual);
      case Xv6.SYS_pipe:
        return pipe(p, w[1], actual);
      case Xv6.SYS_read:
        return read(p, (int) w[1], w[2], (int) w[3], actual);
      case Xv6.SYS_kill:
        return kill(p, (int) w[1], actual);
      case Xv6.SYS_exec:
        return exec(p, mem, w[1], actual);
      case Xv6.SYS_fstat:
        return fstat(p, (int) w[1], w[2], actual);
      case Xv6.SYS_chdir:
        return chdir(p, mem, w[1], actual);
      case Xv6.SYS_dup:
        return dup(p, (int) w[1], actual);
      case Xv6.SYS_getpid:
        return exactly(p.pid, actual, List.of());
      case Xv6.SYS_sbrk:
        return sbrk(p, (int) w[1], (int) w[2], actual);
      case Xv6.SYS_sleep:
        return exactly(0, actual, List.of()); // a killed sleeper never returns
      case Xv6.SYS_uptime:
        return uptime(actual);
      case Xv6.SYS_open:
        return open(p, mem, w[1], (int) w[2], actual);
      case Xv6.SYS_write:
        return write(p, mem, (int) w[1], w[2], (int) w[3], actual);
      case Xv6.SYS_mknod:
        return mknod(p, mem, w[1], (short) (int) w[2], (short) (int) w[3], actual);
      case Xv6.SYS_unlink:
        return pathCall(p, mem, w[1], actual, path -> fs.unlink(path, p.cwd));
      case Xv6.SYS_link:
        return link(p, mem, w[1], w[2], actual);
      case Xv6.SYS_mkdir:
        return pathCall(
            p, mem, w[1], actual, path -> Math.min(0, fs.create(path, p.cwd, Xv6.T_DIR, z(), z())));
      case Xv6.SYS_close:
        return close(p, (int) w[1], actual);
      default:
        throw new FsModel.Unknown("checkpoint and restore are CheckpointModel's");
    }
  }

  private static short z() {
    return 0;
  }

  private static Judgement exactly(long expected, long actual, List<Write> writes) {
    return expected == actual
        ? new Judgement.Agrees(writes)
        : new Judgement.Differs(Long.toString(expected));
  }

  // ------------------------------------------------------------------ processes

  private Judgement fork(Proc p, long actual) {
    if (actual == -1) {
      return new Judgement.Agrees(List.of()); // no free slot or page
    }
    if (actual <= 0 || actual > Integer.MAX_VALUE || actual < table.nextPid()) {
      return new Judgement.Differs(
          "any of {-1, a pid no process has had (>= " + table.nextPid() + ")}");
    }
    int child = (int) actual;
    table.fork(p.pid, child);
    Proc c = new Proc(child);
    for (int fd = 0; fd < Xv6.NOFILE; fd++) {
      c.ofile[fd] = p.ofile[fd];
      if (c.ofile[fd] != null) {
        c.ofile[fd].ref++;
      }
    }
    c.cwd = p.cwd;
    fs.idup(p.cwd);
    c.space = p.space.copy();
    c.pending = null; // the harness says, from the parent's program
    procs.put(child, c);
    return new Judgement.Agrees(List.of());
  }

  private void doExit(Proc p, int status) {
    for (int fd = 0; fd < Xv6.NOFILE; fd++) {
      if (p.ofile[fd] != null) {
        fileclose(p.ofile[fd]);
        p.ofile[fd] = null;
      }
    }
    fs.iput(p.cwd);
    procs.remove(p.pid);
    Set<Integer> before = new HashSet<>();
    table.all().forEach(q -> before.add(q.pid()));
    table.exit(p.pid, status);
    table.all().forEach(q -> before.remove(q.pid()));
    reapedByInit.addAll(before); // orphans init reaps when it next runs
  }

  private Judgement waitCall(Proc p, long addr, long actual) {
    WaitResult r = table.waitIn(p.pid);
    if (r instanceof WaitResult.NoChildren) {
      return exactly(-1, actual, List.of());
    }
    if (r instanceof WaitResult.Blocks) {
      return new Judgement.Differs("wait to block (no child has exited)");
    }
    List<ProcessModel.Proc> zombies = ((WaitResult.Reaps) r).zombies();
    ProcessModel.Proc z = zombies.stream().filter(q -> q.pid() == actual).findFirst().orElse(null);
    byte[] st = new byte[4];
    if (addr != 0) {
      UserSpace.Reach reach = p.space.reach(addr, 4);
      if (reach == UserSpace.Reach.UNKNOWN) {
        throw new FsModel.Unknown("wait's status goes to a lazily grown page");
      }
      if (reach == UserSpace.Reach.PREFIX) {
        long k = p.space.prefix(addr, 4);
        if (k > 0 && zombies.stream().map(ProcessModel.Proc::status).distinct().count() > 1) {
          throw new FsModel.Unknown("wait's partly copied status: which zombie's is open");
        }
        Le.put(st, 0, 4, zombies.get(0).status());
        return exactly(-1, actual, List.of(new Write(addr, Arrays.copyOf(st, (int) k))));
      }
    }
    if (z == null) {
      return new Judgement.Differs("the pid of a zombie child " + pids(zombies));
    }
    table.reap(z.pid());
    if (addr == 0) {
      return new Judgement.Agrees(List.of());
    }
    Le.put(st, 0, 4, z.status());
    return new Judgement.Agrees(List.of(new Write(addr, st)));
  }

  private static String pids(List<ProcessModel.Proc> ps) {
    return ps.stream().map(q -> Integer.toString(q.pid())).toList().toString();
  }

  private Judgement kill(Proc p, int pid, long actual) {
    if (reapedByInit.contains(pid)) {
      return actual == 0 || actual == -1
          ? new Judgement.Agrees(List.of())
          : new Judgement.Differs("any of {0, -1} (a zombie init may not have reaped yet)");
    }
    int expected = table.kill(pid);
    if (expected == 0) {
      Proc victim = procs.get(pid);
      if (victim != null) {
        victim.killed = true;
      }
    }
    return exactly(expected, actual, List.of());
  }

  private Judgement exec(Proc p, UserMemory mem, long pathAddr, long actual) {
    Optional<byte[]> path = str(p, mem, pathAddr);
    if (path.isEmpty() || fs.namei(path.get(), p.cwd).isEmpty()) {
      return exactly(-1, actual, List.of());
    }
    throw new FsModel.Unknown("exec of an existing file (the model does not load programs)");
  }

  private Judgement sbrk(Proc p, int n, int t, long actual) {
    long old = p.space.sz();
    if (t == Xv6.SBRK_LAZY && n >= 0) {
      if (old + n > Xv6.TRAPFRAME) {
        return exactly(-1, actual, List.of());
      }
      Judgement j = exactly(old, actual, List.of());
      p.space.growLazy(n);
      return j;
    }
    if (n > 0) {
      if (old + n > Xv6.TRAPFRAME) {
        return exactly(-1, actual, List.of());
      }
      if (actual == -1) {
        return new Judgement.Agrees(List.of()); // out of pages
      }
      Judgement j = exactly(old, actual, List.of());
      if (j instanceof Judgement.Agrees) {
        p.space.growEager(n);
        return j;
      }
      return new Judgement.Differs("any of {" + old + ", -1}");
    }
    if (old + n < lowestSz) {
      throw new FsModel.Unknown("sbrk shrinks the process into its own program");
    }
    Judgement j = exactly(old, actual, List.of());
    p.space.shrinkTo(old + n);
    return j;
  }

  private Judgement uptime(long actual) {
    if (actual < lastUptime || actual > Integer.MAX_VALUE) {
      return new Judgement.Differs("a tick count >= " + lastUptime);
    }
    lastUptime = actual;
    return new Judgement.Agrees(List.of());
  }

  // ------------------------------------------------------------------ descriptors

  private int openFiles() {
    Set<OFile> files = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Proc q : procs.values()) {
      for (OFile f : q.ofile) {
        if (f != null) {
          files.add(f);
        }
      }
    }
    return nfileOutside + files.size();
  }

  private static int lowestFreeFd(Proc p, int skip) {
    for (int fd = 0; fd < Xv6.NOFILE; fd++) {
      if (p.ofile[fd] == null && fd != skip) {
        return fd;
      }
    }
    return -1;
  }

  private static OFile fd(Proc p, int fd) {
    return fd < 0 || fd >= Xv6.NOFILE ? null : p.ofile[fd];
  }

  private void fileclose(OFile f) {
    if (--f.ref > 0) {
      return;
    }
    if (f.kind == OFile.Kind.PIPE) {
      PipeM pi = pipes.get(f.pipe);
      if (f.writable) {
        pi.writeopen = false;
      } else {
        pi.readopen = false;
      }
    } else {
      fs.iput(f.inum);
    }
  }

  private Judgement dup(Proc p, int fd, long actual) {
    OFile f = fd(p, fd);
    int nfd = lowestFreeFd(p, -1);
    if (f == null || nfd < 0) {
      return exactly(-1, actual, List.of());
    }
    Judgement j = exactly(nfd, actual, List.of());
    p.ofile[nfd] = f;
    f.ref++;
    return j;
  }

  private Judgement close(Proc p, int fd, long actual) {
    OFile f = fd(p, fd);
    if (f == null) {
      return exactly(-1, actual, List.of());
    }
    p.ofile[fd] = null;
    fileclose(f);
    return exactly(0, actual, List.of());
  }

  private Judgement pipe(Proc p, long addr, long actual) {
    int fd0 = lowestFreeFd(p, -1);
    int fd1 = fd0 < 0 ? -1 : lowestFreeFd(p, fd0);
    if (openFiles() + 2 > Xv6.NFILE || fd1 < 0) {
      return exactly(-1, actual, List.of());
    }
    byte[] pair = new byte[8];
    Le.put(pair, 0, 4, fd0);
    Le.put(pair, 4, 4, fd1);
    UserSpace.Reach reach = p.space.reach(addr, 8);
    if (reach == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("pipe's fd pair goes to a lazily grown page");
    }
    if (reach == UserSpace.Reach.PREFIX) {
      byte[] part = Arrays.copyOf(pair, (int) p.space.prefix(addr, 8));
      return exactly(-1, actual, List.of(new Write(addr, part)));
    }
    if (actual == -1) {
      return new Judgement.Agrees(List.of()); // no page for the pipe's buffer
    }
    if (actual != 0) {
      return new Judgement.Differs("any of {0, -1 (no free page)}");
    }
    int id = nextPipe++;
    pipes.put(id, new PipeM());
    p.ofile[fd0] = new OFile(OFile.Kind.PIPE, 0, id, true, false);
    p.ofile[fd1] = new OFile(OFile.Kind.PIPE, 0, id, false, true);
    return new Judgement.Agrees(List.of(new Write(addr, pair)));
  }

  private Judgement fstat(Proc p, int fd, long addr, long actual) {
    OFile f = fd(p, fd);
    if (f == null || f.kind == OFile.Kind.PIPE) {
      return exactly(-1, actual, List.of());
    }
    byte[] st = fs.stat(f.inum);
    return copyout(p, addr, st, 0, actual);
  }

  /** A call whose last act copies out bytes: {@code ok} and all written, or -1 and a prefix. */
  private static Judgement copyout(Proc p, long addr, byte[] bytes, long ok, long actual) {
    UserSpace.Reach reach = p.space.reach(addr, bytes.length);
    if (reach == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("a copyout reaches a lazily grown page");
    }
    if (reach == UserSpace.Reach.PREFIX) {
      int k = (int) p.space.prefix(addr, bytes.length);
      return exactly(
          -1, actual, k == 0 ? List.of() : List.of(new Write(addr, Arrays.copyOf(bytes, k))));
    }
    return exactly(ok, actual, List.of(new Write(addr, bytes)));
  }

  // ------------------------------------------------------------------ paths

  /**
   * fetchstr(addr, MAXPATH): the string before its NUL, or empty if a byte is not readable or no
   * NUL comes within MAXPATH bytes.
   */
  private Optional<byte[]> str(Proc p, UserMemory mem, long addr) {
    long k = p.space.prefix(addr, Xv6.MAXPATH);
    byte[] s = mem.read(addr, (int) k);
    for (int i = 0; i < k; i++) {
      if (s[i] == 0) {
        return Optional.of(Arrays.copyOf(s, i));
      }
    }
    if (k < Xv6.MAXPATH && p.space.reach(addr, Xv6.MAXPATH) == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("a path runs into a lazily grown page");
    }
    return Optional.empty();
  }

  @FunctionalInterface
  private interface PathBody {
    int run(byte[] path);
  }

  private Judgement pathCall(Proc p, UserMemory mem, long addr, long actual, PathBody body) {
    Optional<byte[]> path = str(p, mem, addr);
    if (path.isEmpty()) {
      return exactly(-1, actual, List.of());
    }
    return exactly(body.run(path.get()), actual, List.of());
  }

  private Judgement link(Proc p, UserMemory mem, long oldAddr, long newAddr, long actual) {
    Optional<byte[]> from = str(p, mem, oldAddr);
    Optional<byte[]> to = str(p, mem, newAddr);
    if (from.isEmpty() || to.isEmpty()) {
      return exactly(-1, actual, List.of());
    }
    return exactly(fs.link(from.get(), to.get(), p.cwd), actual, List.of());
  }

  private Judgement mknod(
      Proc p, UserMemory mem, long addr, short major, short minor, long actual) {
    return pathCall(
        p,
        mem,
        addr,
        actual,
        path -> Math.min(0, fs.create(path, p.cwd, Xv6.T_DEVICE, major, minor)));
  }

  private Judgement chdir(Proc p, UserMemory mem, long addr, long actual) {
    return pathCall(
        p,
        mem,
        addr,
        actual,
        path -> {
          Optional<Integer> ip = fs.namei(path, p.cwd);
          if (ip.isEmpty() || fs.live(ip.get()).type() != Xv6.T_DIR) {
            return -1;
          }
          fs.idup(ip.get());
          fs.iput(p.cwd);
          p.cwd = ip.get();
          return 0;
        });
  }

  private Judgement open(Proc p, UserMemory mem, long addr, int omode, long actual) {
    Optional<byte[]> path = str(p, mem, addr);
    if (path.isEmpty()) {
      return exactly(-1, actual, List.of());
    }
    int inum;
    if ((omode & FileModel.O_CREATE) != 0) {
      inum = fs.create(path.get(), p.cwd, Xv6.T_FILE, z(), z());
    } else {
      inum = fs.namei(path.get(), p.cwd).orElse(-1);
      if (inum >= 0 && fs.live(inum).type() == Xv6.T_DIR && omode != FileModel.O_RDONLY) {
        inum = -1;
      }
    }
    if (inum < 0) {
      return exactly(-1, actual, List.of());
    }
    FsModel.Ino ip = fs.live(inum);
    if (ip.type() == Xv6.T_DEVICE && (ip.major() < 0 || ip.major() >= Xv6.NDEV)) {
      return exactly(-1, actual, List.of());
    }
    int fd = lowestFreeFd(p, -1);
    if (openFiles() + 1 > Xv6.NFILE || fd < 0) {
      return exactly(-1, actual, List.of());
    }
    boolean device = ip.type() == Xv6.T_DEVICE;
    OFile f =
        new OFile(
            device ? OFile.Kind.DEVICE : OFile.Kind.INODE,
            inum,
            -1,
            (omode & FileModel.O_WRONLY) == 0,
            (omode & (FileModel.O_WRONLY | FileModel.O_RDWR)) != 0);
    fs.idup(inum);
    p.ofile[fd] = f;
    if ((omode & O_TRUNC) != 0 && ip.type() == Xv6.T_FILE) {
      fs.truncate(inum);
    }
    return exactly(fd, actual, List.of());
  }

  /** fcntl.h's O_TRUNC. */
  public static final int O_TRUNC = 0x400;

  // ------------------------------------------------------------------ read and write

  private Judgement read(Proc p, int fd, long addr, int n, long actual) {
    OFile f = fd(p, fd);
    if (f == null || !f.readable) {
      return exactly(-1, actual, List.of());
    }
    switch (f.kind) {
      case PIPE:
        return pipeRead(p, pipes.get(f.pipe), addr, n, actual);
      case DEVICE:
        // The console's input ended after the harness's one byte: a read finds end of file.
        return exactly(fs.live(f.inum).major() == Xv6.CONSOLE ? 0 : -1, actual, List.of());
      default:
        return inodeRead(p, f, addr, n, actual);
    }
  }

  /** piperead: min(n, buffered) bytes, copied page by page; -1 if the first page fails. */
  private Judgement pipeRead(Proc p, PipeM pi, long addr, int n, long actual) {
    if (pi.tainted) {
      throw new FsModel.Unknown("read of a pipe a blocked write was filling");
    }
    if (pi.buf.length == 0 && pi.writeopen) {
      return new Judgement.Differs("read to block (the pipe is empty and its write end open)");
    }
    int want = Math.max(0, Math.min(n, pi.buf.length));
    UserSpace.Reach reach = p.space.reach(addr, want);
    if (reach == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("a pipe read into a lazily grown page");
    }
    int k = (int) p.space.prefix(addr, want);
    long expected = k == 0 && want > 0 ? -1 : k;
    Judgement j =
        exactly(
            expected,
            actual,
            k == 0 ? List.of() : List.of(new Write(addr, Arrays.copyOf(pi.buf, k))));
    pi.buf = Arrays.copyOfRange(pi.buf, k, pi.buf.length);
    return j;
  }

  /**
   * fileread on an inode: readi from the offset, at most to the end; the copy fails at the first
   * page it may not write, and then the call returns -1 with the bytes before that page written and
   * the offset unchanged. readi takes n as a uint: a negative n is a huge count, so the read goes
   * to the end of the file, unless offset + n passes 2^32 (readi's overflow check: nothing read).
   */
  private Judgement inodeRead(Proc p, OFile f, long addr, int n, long actual) {
    byte[] data = fs.live(f.inum).data();
    long count = Integer.toUnsignedLong(n);
    boolean none = f.off > data.length || f.off + count > 0xffff_ffffL;
    long len = none ? 0 : Math.min(count, data.length - f.off);
    UserSpace.Reach reach = p.space.reach(addr, len);
    if (reach == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("a file read into a lazily grown page");
    }
    int k = (int) p.space.prefix(addr, len);
    byte[] got = Arrays.copyOfRange(data, (int) f.off, (int) f.off + k);
    List<Write> writes = k == 0 ? List.of() : List.of(new Write(addr, got));
    if (k < len) {
      return exactly(-1, actual, writes);
    }
    Judgement j = exactly(len, actual, writes);
    f.off += len;
    return j;
  }

  private Judgement write(Proc p, UserMemory mem, int fd, long addr, int n, long actual) {
    OFile f = fd(p, fd);
    if (f == null || !f.writable) {
      return exactly(-1, actual, List.of());
    }
    if (n > 0 && p.space.reach(addr, n) == UserSpace.Reach.UNKNOWN) {
      throw new FsModel.Unknown("a write from a lazily grown page");
    }
    int k = n <= 0 ? 0 : (int) p.space.prefix(addr, n);
    byte[] data = mem.read(addr, k);
    switch (f.kind) {
      case PIPE:
        return pipeWrite(pipes.get(f.pipe), n, data, actual);
      case DEVICE:
        if (fs.live(f.inum).major() != Xv6.CONSOLE) {
          return exactly(-1, actual, List.of());
        }
        console.append(new String(data, StandardCharsets.ISO_8859_1));
        return exactly(k, actual, List.of());
      default:
        return inodeWrite(f, n, data, actual);
    }
  }

  /**
   * pipewrite of n bytes whose first data.length are readable: -1 if the read end is closed;
   * otherwise what fits is atomic (the readable prefix), and a write that must wait for room taints
   * the pipe.
   */
  private Judgement pipeWrite(PipeM pi, int n, byte[] data, long actual) {
    if (pi.tainted) {
      throw new FsModel.Unknown("write to a pipe a blocked write was filling");
    }
    if (n <= 0) {
      return exactly(0, actual, List.of());
    }
    if (!pi.readopen) {
      return exactly(-1, actual, List.of());
    }
    int room = Xv6.PIPESIZE - pi.buf.length;
    if (n > room && data.length >= room) {
      throw new FsModel.Unknown("a pipe write that waited for room (others ran meanwhile)");
    }
    Judgement j = exactly(data.length, actual, List.of());
    pi.buf = FileModel.splice(pi.buf, pi.buf.length, data);
    return j;
  }

  /**
   * filewrite on an inode, in chunks of ((MAXOPBLOCKS-1-1-2)/2)*BSIZE bytes, each refused by writei
   * past the end of the file or past MAXFILE. A source that runs into a bad page: the chunks before
   * the failing one are written (the failing chunk starts at the last block boundary of the file or
   * chunk boundary at or below the fault), the failing chunk's readable bytes land only where they
   * fall inside the file, and the call returns -1.
   */
  private Judgement inodeWrite(OFile f, int n, byte[] data, long actual) {
    if (n <= 0) {
      return exactly(n == 0 ? 0 : -1, actual, List.of());
    }
    int max = ((Xv6.MAXOPBLOCKS - 1 - 1 - 2) / 2) * FsModel.BSIZE;
    long good = data.length;
    long counted = n;
    if (good < n) {
      long blockStart = good - Math.floorMod(f.off + good, FsModel.BSIZE);
      long chunkStart = (good / max) * max;
      counted = Math.max(0, Math.max(blockStart, chunkStart));
    }
    long i = 0;
    while (i < counted) {
      int n1 = (int) Math.min(counted - i, max);
      if (!fs.writeFits(f.inum, f.off, n1)) {
        return exactly(-1, actual, List.of());
      }
      fs.write(f.inum, f.off, Arrays.copyOfRange(data, (int) i, (int) i + n1));
      f.off += n1;
      i += n1;
    }
    if (good > counted) {
      fs.overwriteInside(f.inum, f.off, Arrays.copyOfRange(data, (int) counted, (int) good));
    }
    return exactly(i == n ? n : -1, actual, List.of());
  }

  /** After every step: a pending write that would have to wait for room taints its pipe. */
  private void taint() {
    for (Proc q : procs.values()) {
      long[] w = q.pending;
      if (q.killed || w == null || w[0] != Xv6.SYS_write) {
        continue;
      }
      OFile f = fd(q, (int) w[1]);
      if (f == null || f.kind != OFile.Kind.PIPE || !f.writable) {
        continue;
      }
      PipeM pi = pipes.get(f.pipe);
      int n = (int) w[3];
      int room = Xv6.PIPESIZE - pi.buf.length;
      boolean lazy = n > 0 && q.space.reach(w[2], n) == UserSpace.Reach.UNKNOWN;
      if (pi.readopen && n > room && (lazy || q.space.prefix(w[2], n) >= room)) {
        pi.tainted = true;
      }
    }
  }

  /** For tests: the bytes a pipe made by the model holds, in pipe order. */
  List<byte[]> pipeContents() {
    List<byte[]> out = new ArrayList<>();
    for (int id = 0; id < nextPipe; id++) {
      out.add(pipes.get(id).buf.clone());
    }
    return out;
  }
}
