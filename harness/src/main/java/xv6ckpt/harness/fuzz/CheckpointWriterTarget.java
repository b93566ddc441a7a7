package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.Observe;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.CheckpointResult;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * checkpoint-writer: the input chooses a process state (eager and lazily mapped heap pages, so
 * holes, and the stack guard page exec leaves; register values; open files of each kind: regular
 * file at an offset, directory, console closed or duplicated, pipe, device), who checkpoints it
 * (the process itself by pid 0 or its own pid, or its parent while it runs, sleeps, reads the
 * console or waits), where (a new path or one holding an older image, at the root or in a
 * directory), and at most one fault during the judged call: a power cut after its n-th disk write,
 * or a failure of its n-th page allocation. The program is assembled for the input and run on a
 * fresh stock-layout disk (no doubly-indirect blocks, so the image is written in xv6's small chunks
 * and crosses the indirect block).
 *
 * <p>Oracle, judged when the call returns to the caller: the result is the one {@link
 * CheckpointModel#checkpoint} gives for the processes as the harness observes them (its own page
 * walk); the free page count is what it was before the call. With no fault, the file at the path
 * decodes under the spec ({@link ImageCodec#decode}) to exactly the model's image (the id is the
 * kernel's draw); on a refusal the path holds what it held before. After a power cut the disk is
 * recovered by a new boot, fsck is clean, and the path holds the complete old image (nothing, if it
 * had none) or the complete new one, which it must hold if no write was dropped. After an
 * allocation failure the call either succeeded as above or failed with a negative code, the old
 * image intact. Always: no Java exception, no panic.
 */
public final class CheckpointWriterTarget implements FuzzTarget {
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "checkpoint-writer",
          CheckpointWriterTarget::new,
          CheckpointWriterFuzzer.class,
          "xv6ckpt.kernel.Checkpoint*:xv6ckpt.kernel.ImageSource*:xv6ckpt.kernel.fs.ImageFile*"
              + ":xv6ckpt.kernel.fs.Log*:xv6ckpt.specs.ImageDecoder*"
              + ":xv6ckpt.specs.CheckpointModel*:"
              + CheckpointWriterTarget.class.getName()
              + "*",
          List.of(),
          in -> Scenario.decode(in).toString(),
          in ->
              "the spec's model of checkpoint predicts the result and, without a fault, the image"
                  + " the spec decodes at the path; after a power cut, recovery leaves fsck clean"
                  + " and the path holding the old image or the new one; after an allocation"
                  + " failure, success as without it or a refusal with the old image intact; no"
                  + " leaked page, no Java exception, no panic.",
          "xv6ckpt.harness.fuzz.CheckpointWriterFuzzTest",
          "checkpointWriter");

  /** Instructions a program may take before the judged call returns. */
  private static final long BUDGET = 5_000_000;

  private static final byte[] F1 = filled(3000, 'p');
  private static final byte[] F2 = filled(200, 'q');

  @Override
  public String name() {
    return ENTRY.name();
  }

  /** Who captures whom, and the capture's state. */
  enum Mode {
    SELF_ZERO,
    SELF_PID,
    CHILD_RUNNING,
    CHILD_SLEEPING,
    CHILD_READING,
    CHILD_WAITING
  }

  enum Fault {
    NONE,
    POWER_CUT,
    ALLOC_FAIL
  }

  /**
   * An input decoded: mode, path (new or replacing; root or /d), eager pages, a lazy region and the
   * pages touched in it, open files (bits: /f1 read at an offset, /f2 read-write written, "/", fd 1
   * closed, fd 0 duplicated, a pipe, a device), bytes moved, ten register values, the fault and its
   * n.
   */
  record Scenario(
      Mode mode,
      boolean replace,
      boolean subdir,
      int eager,
      int lazy,
      int[] touched,
      int files,
      int bytes,
      long[] regs,
      Fault fault,
      int n) {

    static Scenario decode(byte[] input) {
      ByteInput in = new ByteInput(input);
      Mode mode = Mode.values()[in.below(Mode.values().length)];
      int path = in.u8();
      int eager = in.below(9);
      int lazy = in.below(40);
      int[] touched = new int[in.below(5)];
      for (int i = 0; i < touched.length; i++) {
        touched[i] = in.below(Math.max(1, lazy));
      }
      if (lazy == 0) {
        touched = new int[0]; // no region to touch (a store there would kill the process)
      }
      int files = in.u8();
      int bytes = in.below(64);
      Fault fault = Fault.values()[in.below(Fault.values().length)];
      int n = in.u16();
      long[] regs = new long[10];
      for (int i = 0; i < regs.length; i++) {
        regs[i] = in.i64();
      }
      return new Scenario(
          mode,
          (path & 1) != 0,
          (path & 2) != 0,
          eager,
          lazy,
          touched,
          files,
          bytes,
          regs,
          fault,
          n);
    }

    String path() {
      return subdir ? "/d/img" : "/img";
    }

    boolean self() {
      return mode == Mode.SELF_ZERO || mode == Mode.SELF_PID;
    }

    @Override
    public String toString() {
      return mode
          + (replace ? ", replacing " : ", new ")
          + path()
          + ", "
          + eager
          + " eager pages, lazy region of "
          + lazy
          + " pages touched at "
          + Arrays.toString(touched)
          + ", files 0x"
          + Integer.toHexString(files)
          + " ("
          + bytes
          + " bytes moved), s2..s11 "
          + Arrays.toString(regs)
          + ", fault "
          + fault
          + (fault == Fault.NONE ? "" : " at " + n);
    }
  }

  @Override
  public Verdict run(byte[] input) {
    Scenario s = Scenario.decode(input);
    Started ref = null;
    try {
      ref = start(s);
      Judged j = judge(s, ref, s.fault() == Fault.ALLOC_FAIL ? Fault.ALLOC_FAIL : Fault.NONE);
      if (s.fault() != Fault.POWER_CUT || j.verdict() instanceof Verdict.Fail) {
        return j.verdict();
      }
      // The same run again (deterministic up to the call), the power cut after the call's n-th
      // write; the first run's result is the new image the path may hold.
      Started cut = start(s);
      return cutRun(s, cut, j);
    } catch (RuntimeException | StackOverflowError e) {
      return ref == null ? Verdicts.escaped(e, "") : Verdicts.escaped(e, ref.m());
    }
  }

  /** A machine whose caller has just returned from its marker getpid, or why it has not. */
  private record Started(
      Machine m,
      FaultInjectingBlockDevice disk,
      int caller,
      Verdict failure,
      Optional<byte[]> old) {}

  private Started start(Scenario s) {
    FaultInjectingBlockDevice disk =
        new FaultInjectingBlockDevice(
            Disks.make(
                Disks.SMALL,
                List.of(
                    new Mkfs.FileNode("w", program(s)),
                    new Mkfs.FileNode("f1", F1),
                    new Mkfs.FileNode("f2", F2),
                    new Mkfs.DirNode("d", List.of()))));
    Machine m = Machines.runner(disk, Machines.FUZZ);
    int caller = Machines.spawn(m, "w");
    Machine.Outcome o = runToReturnOf(m, caller, Xv6Abi.SYS_getpid);
    Verdict failure =
        o == null
            ? null
            : m.panicMessage().isPresent()
                ? Verdicts.panicked(m.panicMessage().get(), m, "before the checkpoint")
                : fail(m, "setup", "the program did not reach its checkpoint: " + o);
    return new Started(m, disk, caller, failure, Disks.readFile(m, s.path()));
  }

  /** The verdict on a run without a power cut, and the path's content after it. */
  private record Judged(
      Verdict verdict, Optional<byte[]> now, Optional<Image> image, long writes) {}

  private Judged judge(Scenario s, Started st, Fault fault) {
    if (st.failure() != null) {
      return judged(st.failure());
    }
    Machine m = st.m();
    int caller = st.caller();
    Process p = m.proc().byPid(caller).orElseThrow();
    long pidArg = m.userRegisters(p)[S1];
    int freeBefore = m.kalloc().freePages();
    long writesBefore = st.disk().writes();
    if (fault == Fault.ALLOC_FAIL) {
      long at = m.kalloc().calls() + 1 + (s.n() & 0xff);
      m.kalloc().injectFailures(k -> k == at);
    }
    Machine.Outcome o = m.run(BUDGET, new Machine.Stop.SyscallReturn(caller));
    if (m.panicMessage().isPresent()) {
      return judged(Verdicts.panicked(m.panicMessage().get(), m, "in checkpoint (" + s + ")"));
    }
    if (!o.equals(new Machine.Outcome.SyscallReturned(caller, Xv6.SYS_checkpoint))) {
      return judged(fail(m, "no-return", "checkpoint did not return to the caller: " + o));
    }
    Process c = m.proc().byPid(caller).orElseThrow();
    long[] r = m.userRegisters(c);
    long result = r[A0];
    // The caller as it stood at its ecall (the call changed only a0 and pc); its a0 was the pid
    // argument: 0, its own pid (getpid's result), or the child's, which the program keeps in s1.
    ModelProcess after = Observe.process(m, c);
    int pid = s.mode() == Mode.SELF_ZERO ? 0 : s.self() ? caller : (int) pidArg;
    ModelProcess atEcall = withRegs(after, after.regs().with(A0, pid).withPc(r[32] - 4));
    List<ModelProcess> others = new ArrayList<>();
    for (Process q : m.proc().live()) {
      if (q.pid() != caller) {
        others.add(Observe.process(m, q));
      }
    }
    Optional<byte[]> now = Disks.readFile(m, s.path());
    long id =
        now.map(ImageCodec::decode)
            .filter(v -> v instanceof xv6ckpt.specs.Verdict.Valid)
            .map(v -> ((xv6ckpt.specs.Verdict.Valid) v).image().header().imageId())
            .orElse(0L);
    CheckpointResult want = CheckpointModel.checkpoint(atEcall, others, pid, id);
    int free = m.kalloc().freePages();
    if (free != freeBefore) {
      return judged(
          fail(
              m,
              "page-leak",
              "checkpoint changed the free pages from " + freeBefore + " to " + free));
    }
    boolean faulted = fault == Fault.ALLOC_FAIL && result < 0;
    long code = want instanceof CheckpointResult.Refused f ? f.rule().code() : 0;
    if (!faulted && result != code) {
      return judged(
          fail(m, "spec-mismatch", "checkpoint returned " + result + ", the model says " + want));
    }
    Optional<Image> image =
        want instanceof CheckpointResult.Written w && !faulted
            ? Optional.of(w.image())
            : Optional.empty();
    Verdict v = atPath(m, s, now, st.old(), image, false, "");
    if (v instanceof Verdict.Pass) {
      List<String> bad = Fsck.checkLive(st.disk(), m.fs().inUse()).violations();
      if (!bad.isEmpty()) {
        v = new Verdict.Fail("fsck", "after the call: " + bad, m.output(), "");
      }
    }
    return new Judged(v, now, image, st.disk().writes() - writesBefore);
  }

  private static Judged judged(Verdict v) {
    return new Judged(v, Optional.empty(), Optional.empty(), 0);
  }

  /**
   * The path's content against the oracle: the image (if the call wrote one) or the old content;
   * after a cut with writes dropped, either.
   */
  private Verdict atPath(
      Machine m,
      Scenario s,
      Optional<byte[]> now,
      Optional<byte[]> old,
      Optional<Image> image,
      boolean eitherOne,
      String where) {
    boolean isOld =
        now.isPresent() == old.isPresent()
            && (now.isEmpty() || Arrays.equals(now.get(), old.get()));
    if (image.isEmpty() || (eitherOne && isOld)) {
      return isOld
          ? new Verdict.Pass(s.mode() + ": " + (image.isEmpty() ? "refused" : "old image") + where)
          : fail(m, "path-changed", s.path() + " is neither the old content nor the image" + where);
    }
    if (now.isEmpty()) {
      return fail(m, "no-image", "no file at " + s.path() + where);
    }
    xv6ckpt.specs.Verdict v = ImageCodec.decode(now.get());
    if (v instanceof xv6ckpt.specs.Verdict.Invalid bad) {
      return fail(
          m, "invalid-image", "the spec rejects the image at " + s.path() + where + ": " + bad);
    }
    Image got = ((xv6ckpt.specs.Verdict.Valid) v).image();
    if (!got.equals(image.get())) {
      return fail(
          m,
          "spec-mismatch",
          "the image differs from the model's" + where + ": " + imageDiff(image.get(), got));
    }
    return new Verdict.Pass(s.mode() + ": written, " + got.pages().size() + " pages" + where);
  }

  /**
   * The cut run: to the marker, the power cut after the call's k-th write (k = n modulo the first
   * run's writes + 1), the call (whatever the kernel does once a write was dropped does not count:
   * its machine is off), then a reboot on what reached the medium: recovery without panic, fsck
   * clean, and the path holds the old content or the first run's image, which it must hold if no
   * write of the call was dropped.
   */
  private Verdict cutRun(Scenario s, Started st, Judged ref) {
    if (st.failure() != null) {
      return st.failure();
    }
    Machine m = st.m();
    long writesBefore = st.disk().writes();
    long cut = s.n() % (ref.writes() + 1); // every n cuts somewhere in the call, or after it
    st.disk().cutPowerAfterWrite(writesBefore + cut);
    m.run(BUDGET, new Machine.Stop.SyscallReturn(st.caller()));
    boolean dropped = st.disk().writes() > writesBefore + cut;
    if (m.panicMessage().isPresent() && !dropped) {
      return Verdicts.panicked(m.panicMessage().get(), m, "in checkpoint before the power cut");
    }
    MemoryBlockDevice medium = (MemoryBlockDevice) st.disk().medium();
    Machine after = Machines.runner(medium, Machines.FUZZ);
    if (after.panicMessage().isPresent()) {
      return Verdicts.panicked(after.panicMessage().get(), after, "recovering after the cut");
    }
    List<String> bad = Fsck.check(medium).violations();
    if (!bad.isEmpty()) {
      return new Verdict.Fail("fsck", "after the power cut: " + bad, m.output(), "");
    }
    Optional<byte[]> now = Disks.readFile(after, s.path());
    String where =
        dropped
            ? " (power cut after write " + cut + " of the call's " + ref.writes() + ")"
            : " (power cut after the call's last write)";
    if (ref.image().isPresent()
        && now.isPresent()
        && ref.now().isPresent()
        && !Arrays.equals(now.get(), ref.now().get())
        && !(st.old().isPresent() && Arrays.equals(now.get(), st.old().get()))) {
      return fail(after, "torn-image", s.path() + " holds neither image" + where);
    }
    return atPath(after, s, now, st.old(), ref.image(), dropped, where);
  }

  /** The first difference between two images, in words. */
  private static String imageDiff(Image want, Image got) {
    if (!want.header().equals(got.header())) {
      return "header " + got.header() + " != " + want.header();
    }
    if (!want.regs().equals(got.regs())) {
      return "registers " + got.regs() + " != " + want.regs();
    }
    if (!want.restart().equals(got.restart())) {
      return "restart " + got.restart() + " != " + want.restart();
    }
    if (!want.files().equals(got.files())) {
      return "files " + got.files() + " != " + want.files();
    }
    return "pages " + got.pages() + " != " + want.pages();
  }

  /** Runs pid until it returns from call num; null then, else the outcome that ended the run. */
  private static Machine.Outcome runToReturnOf(Machine m, int pid, int num) {
    for (int i = 0; i < 200; i++) {
      Machine.Outcome o = m.run(BUDGET, new Machine.Stop.SyscallReturn(pid));
      if (o.equals(new Machine.Outcome.SyscallReturned(pid, num))) {
        return null;
      }
      if (!(o instanceof Machine.Outcome.SyscallReturned)) {
        return o;
      }
    }
    return new Machine.Outcome.BudgetSpent();
  }

  // ---------------------------------------------------------------- the program

  /**
   * The program for s: set up memory and files, fork the target if another process captures, then
   * (replacing) checkpoint once, change a word, {@code getpid()} as the marker the rig stops at,
   * and the judged checkpoint; then exit.
   */
  static byte[] program(Scenario s) {
    UserProgram p = new UserProgram(UserProgram.PACKED);
    p.str("f1", "/f1").str("f2", "/f2").str("root", "/").str("dev", "/dv");
    p.str("path", s.path());
    p.a.li(A0, s.eager() * 4096L).li(A1, 1);
    p.sys(Xv6Abi.SYS_sbrk);
    p.a.li(A0, s.lazy() * 4096L).li(A1, 2); // lazy: only touched pages get mapped
    p.sys(Xv6Abi.SYS_sbrk);
    p.a.mv(S1, A0);
    for (int t : s.touched()) {
      p.a.li(T0, t * 4096L + 8 * t).add(T0, T0, S1).li(T1, 0x5a00 + t).sd(T1, 0, T0);
    }
    files(p, s);
    for (int i = 0; i < s.regs().length; i++) {
      p.a.li(S2 + i, s.regs()[i]);
    }
    if (s.self()) {
      if (s.replace()) {
        p.a.li(A0, 0);
        p.checkpoint("path");
        p.a.la(T0, "bss").li(T1, 0x77).sd(T1, 0, T0);
      }
      p.sys(Xv6Abi.SYS_getpid);
      if (s.mode() == Mode.SELF_ZERO) {
        p.a.li(A0, 0);
      }
      p.checkpoint("path");
      p.exit(0);
      return p.elf();
    }
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, "target").mv(S1, A0);
    p.a.li(A0, 3);
    p.sys(Xv6Abi.SYS_sleep); // the target reaches its state
    if (s.replace()) {
      p.a.mv(A0, S1);
      p.checkpoint("path");
    }
    p.sys(Xv6Abi.SYS_getpid);
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.a.mv(A0, S1);
    p.sys(Xv6Abi.SYS_kill);
    p.exit(0);
    p.a.label("target");
    switch (s.mode()) {
      case CHILD_RUNNING -> p.a.label("spin").j("spin");
      case CHILD_SLEEPING -> {
        p.a.li(A0, 1000);
        p.sys(Xv6Abi.SYS_sleep);
      }
      case CHILD_READING -> {
        p.a.li(A0, 0).la(A1, "bss").li(A2, 40);
        p.sys(Xv6Abi.SYS_read);
      }
      default -> {
        p.sys(Xv6Abi.SYS_fork);
        p.a.bnez(A0, "waiter");
        p.a.li(A0, 1000);
        p.sys(Xv6Abi.SYS_sleep);
        p.a.label("waiter").li(A0, 0);
        p.sys(Xv6Abi.SYS_wait);
      }
    }
    p.a.label("hang").j("hang");
    return p.elf();
  }

  /** Opens the files the scenario's bits name, moving bytes to set offsets. */
  private static void files(UserProgram p, Scenario s) {
    int f = s.files();
    if ((f & 1) != 0) {
      p.a.la(A0, "f1").li(A1, Xv6Abi.O_RDONLY);
      p.sys(Xv6Abi.SYS_open);
      p.a.la(A1, "bss").li(A2, s.bytes());
      p.sys(Xv6Abi.SYS_read); // a0 is the fd open returned
    }
    if ((f & 2) != 0) {
      p.a.la(A0, "f2").li(A1, Xv6Abi.O_RDWR);
      p.sys(Xv6Abi.SYS_open);
      p.a.la(A1, "bss").li(A2, s.bytes() / 2);
      p.sys(Xv6Abi.SYS_write);
    }
    if ((f & 4) != 0) {
      p.a.la(A0, "root").li(A1, Xv6Abi.O_RDONLY);
      p.sys(Xv6Abi.SYS_open);
    }
    if ((f & 8) != 0) {
      p.a.li(A0, 1);
      p.sys(Xv6Abi.SYS_close);
    }
    if ((f & 16) != 0) {
      p.a.li(A0, 0);
      p.sys(Xv6Abi.SYS_dup);
    }
    if ((f & 32) != 0) {
      p.a.la(A0, "bss");
      p.sys(Xv6Abi.SYS_pipe);
    }
    if ((f & 64) != 0) {
      p.a.la(A0, "dev").li(A1, 2).li(A2, 0);
      p.sys(Xv6Abi.SYS_mknod);
      p.a.la(A0, "dev").li(A1, Xv6Abi.O_RDONLY);
      p.sys(Xv6Abi.SYS_open);
    }
  }

  // ---------------------------------------------------------------- observing

  private static ModelProcess withRegs(ModelProcess p, Image.Registers r) {
    return new ModelProcess(
        p.pid(), p.name(), p.state(), p.sz(), p.pages(), r, p.files(), p.inSyscall());
  }

  private static byte[] filled(int n, char c) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }

  private static Verdict.Fail fail(Machine m, String rule, String detail) {
    return new Verdict.Fail(rule, detail, m.output(), "");
  }
}
