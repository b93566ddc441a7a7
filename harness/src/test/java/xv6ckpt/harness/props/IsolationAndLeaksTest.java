package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;
import static xv6ckpt.testkit.Xv6Abi.O_CREATE;
import static xv6ckpt.testkit.Xv6Abi.O_RDWR;
import static xv6ckpt.testkit.Xv6Abi.SYS_close;
import static xv6ckpt.testkit.Xv6Abi.SYS_exec;
import static xv6ckpt.testkit.Xv6Abi.SYS_open;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Invariant 5, isolation and leaks. (a) While one process is blocked in a console read, a second
 * one issuing generated system calls with wild addresses and lengths (writes from and reads into
 * any address, sbrk up and down, fork/exit/wait, checkpoint of the first process, a failing
 * restore) leaves the first one's registers, sz and pages exactly as they were. (b) Once every
 * process has exited, the free page count is back to what it was after boot, also after failing
 * restores (no file, garbage, a torn image, allocations failing part way) and failing execs (no
 * file, garbage, allocations failing part way). (c) A restored process's page table maps below
 * TRAPFRAME exactly the pages its image describes (the whole Sv39 tree is walked, not only below
 * sz), with the image's permissions and bytes.
 */
@AddLifecycleHook(ScaledTries.class)
class IsolationAndLeaksTest {

  /** One call of the intruding process. */
  sealed interface Call permits WriteFrom, ReadInto, Sbrk, ForkExit, CkptVictim, BadRestore {}

  record WriteFrom(long addr, int len) implements Call {}

  record ReadInto(long addr, int len) implements Call {}

  record Sbrk(int n) implements Call {}

  record ForkExit() implements Call {}

  record CkptVictim() implements Call {}

  record BadRestore() implements Call {}

  @Provide
  Arbitrary<List<Call>> calls() {
    Arbitrary<Long> addr =
        Arbitraries.oneOf(
            Arbitraries.longs().between(0, 0x9000),
            Arbitraries.of(Xv6.TRAPFRAME, Xv6.TRAMPOLINE, Xv6.MAXVA - 8, -4096L, 0x7fff_f000L));
    // The intruder reads into its own memory only above its code and data (first page), so
    // that it runs on; its writes may come from anywhere.
    Arbitrary<Long> into =
        Arbitraries.oneOf(
            Arbitraries.longs().between(0x1000, 0x9000),
            Arbitraries.of(Xv6.TRAPFRAME, Xv6.TRAMPOLINE, Xv6.MAXVA - 8, -4096L, 0x7fff_f000L));
    Arbitrary<Integer> len = Arbitraries.integers().between(0, 6000);
    return Arbitraries.<Call>oneOf(
            Combinators.combine(addr, len).as(WriteFrom::new),
            Combinators.combine(into, len).as(ReadInto::new),
            Arbitraries.integers().between(-12288, 16384).map(Sbrk::new),
            Arbitraries.just(new ForkExit()),
            Arbitraries.just(new CkptVictim()),
            Arbitraries.just(new BadRestore()))
        .list()
        .ofMinSize(1)
        .ofMaxSize(12);
  }

  @Property(tries = 40)
  void noSystemCallOfOneProcessChangesAnother(@ForAll("calls") List<Call> calls) {
    MemoryBlockDevice disk =
        Disks.withFiles(
            Map.of("victim", victim(), "intruder", intruder(calls), "src", new byte[7000]));
    Machine m = Machines.runner(disk, Machines.LAWS);
    int baseline = m.kalloc().freePages();
    int victim = Machines.spawn(m, "victim");
    assertThat(victim).isEqualTo(2); // the intruder checkpoints pid 2
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    UserState before = UserState.of(m, victim);
    int intruder = Machines.spawn(m, "intruder");
    Machine.Outcome o = Machines.finish(m);
    assertWithMessage("console: %s", m.output())
        .that(o)
        .isEqualTo(new Machine.Outcome.Exited(intruder, 0));
    UserState after = UserState.of(m, victim);
    assertThat(after.pc()).isEqualTo(before.pc());
    assertThat(after.x()).isEqualTo(before.x());
    assertThat(after.sz()).isEqualTo(before.sz());
    assertThat(after.pages()).containsExactlyElementsIn(before.pages()).inOrder();
    m.endConsoleInput();
    // Only the last spawned process's exit is reported: the victim shows its end by a mark.
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.proc().byPid(victim).isPresent()).isFalse();
    assertThat(m.output()).endsWith("v");
    assertThat(m.kalloc().freePages()).isEqualTo(baseline);
    for (Call c : calls) {
      Statistics.label("call").collect(c.getClass().getSimpleName());
    }
    Statistics.label("call")
        .coverage(
            c -> {
              for (String k :
                  List.of(
                      "WriteFrom", "ReadInto", "Sbrk", "ForkExit", "CkptVictim", "BadRestore")) {
                c.check(k).count(n -> n >= 5);
              }
            });
  }

  /** Which failing call the leak property makes, under allocation failures or not. */
  enum Failing {
    RESTORE_NO_FILE,
    RESTORE_GARBAGE,
    RESTORE_TORN,
    RESTORE_NOMEM,
    EXEC_NO_FILE,
    EXEC_GARBAGE,
    EXEC_NOMEM
  }

  /**
   * Every failing call, each try: one machine per try (its disk holds one program per kind, "f" +
   * the kind's ordinal), reset to its boot snapshot before each kind, so that every kind is reached
   * in every try rather than by the luck of an enum draw. Under injection the failures fall among
   * the allocations the call really makes: a dry run without injection counts them, and {@code
   * failAt} (per mille) places the first failure among them. Placed anywhere else (a fixed range of
   * allocation numbers), most injected failures land after the call has finished and test nothing.
   */
  @Property(tries = 12)
  void failedRestoresAndExecsGiveBackEveryPage(
      @ForAll @IntRange(min = 0, max = 999) int failAt,
      @ForAll @IntRange(min = 1, max = 3) int failCount,
      @ForAll @IntRange(min = 0, max = 300) int imageKiB) {
    byte[] good = image(imageKiB);
    byte[] torn = java.util.Arrays.copyOf(good, good.length - 40);
    Map<String, byte[]> files =
        new java.util.HashMap<>(
            Map.of(
                "img",
                good,
                "torn",
                torn,
                "junk",
                new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
                "ok",
                okProgram()));
    for (Failing f : Failing.values()) {
      files.put("f" + f.ordinal(), failing(f));
    }
    Machine m = Machines.runner(Disks.withFiles(files), Machines.LAWS);
    int baseline = m.kalloc().freePages();
    Machine.Snapshot booted = m.snapshot();
    for (Failing what : Failing.values()) {
      boolean inject = what == Failing.RESTORE_NOMEM || what == Failing.EXEC_NOMEM;
      int status;
      if (inject) {
        long allocations = allocationsOf(m, booted, what);
        long first = failAt * allocations / 1000;
        status = runFailing(m, booted, what, first, failCount);
      } else {
        status = runFailing(m, booted, what, -1, 0);
      }
      // 9: the call failed and returned; 0: under injected failures it still succeeded.
      if (inject) {
        assertWithMessage("%s: status", what).that(status).isAnyOf(0, 9);
      } else {
        assertWithMessage("%s: status", what).that(status).isEqualTo(9);
      }
      assertWithMessage("%s: free pages after every exit", what)
          .that(m.kalloc().freePages())
          .isEqualTo(baseline);
      Statistics.label("call").collect(what + (status == 0 ? " (succeeded)" : " (failed)"));
    }
    Statistics.label("call")
        .coverage(
            c -> {
              for (Failing f : Failing.values()) {
                c.check(f + " (failed)").count(n -> n >= 1);
              }
            });
  }

  /** Allocations program "f"+what makes from its spawn to its first stop, with no injection. */
  private static long allocationsOf(Machine m, Machine.Snapshot booted, Failing what) {
    m.reset(booted);
    Machines.spawn(m, "f" + what.ordinal());
    long before = m.kalloc().calls();
    Machines.finish(m);
    long n = m.kalloc().calls() - before;
    assertWithMessage("%s allocates", what).that(n).isGreaterThan(0L);
    return n;
  }

  /**
   * Runs program "f"+what from the boot snapshot, allocations first..first+count-1 after its spawn
   * failing (first &lt; 0: none), to its exit and the machine idle; its exit status.
   */
  private static int runFailing(
      Machine m, Machine.Snapshot booted, Failing what, long first, int count) {
    m.reset(booted);
    int pid = Machines.spawn(m, "f" + what.ordinal());
    if (first >= 0) {
      long start = m.kalloc().calls() + first + 1; // kalloc counts calls from 1
      m.kalloc().injectFailures(c -> c >= start && c < start + count);
    }
    Machine.Outcome o = Machines.finish(m);
    m.kalloc().injectFailures(c -> false);
    if (o.equals(new Machine.Outcome.Idle(true))) { // a restore that succeeded waits in read
      m.endConsoleInput();
      o = Machines.finish(m);
    }
    assertWithMessage("%s: console: %s", what, m.output())
        .that(o)
        .isInstanceOf(Machine.Outcome.Exited.class);
    assertThat(((Machine.Outcome.Exited) o).pid()).isEqualTo(pid);
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    return ((Machine.Outcome.Exited) o).status();
  }

  @Property(tries = 30)
  void aRestoredProcessMapsOnlyItsImagesPages(@ForAll @IntRange(min = 0, max = 600) int imageKiB) {
    byte[] file = image(imageKiB);
    Verdict v = ImageCodec.decode(file);
    assertThat(v).isInstanceOf(Verdict.Valid.class);
    Image img = ((Verdict.Valid) v).image();
    MemoryBlockDevice disk = Disks.withFiles(Map.of("img", file, "rs", restorer("/img", true)));
    Machine m = Machines.runner(disk, Machines.LAWS);
    int pid = Machines.spawn(m, "rs");
    assertWithMessage("console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Idle(true));
    List<Image.Page> mapped = UserPages.leaves(m.memory(), UserState.process(m, pid).pagetable());
    assertThat(mapped).containsExactlyElementsIn(img.pages()).inOrder();
    Statistics.label("image").collect(imageKiB > 256 ? "over 256 KiB" : "small");
    Statistics.label("image").coverage(c -> c.check("over 256 KiB").count(n -> n >= 1));
  }

  /**
   * The image of a process that sbrk'd kib KiB, wrote a pattern in it and checkpointed itself;
   * restored (a0 = 1) it blocks in read(0) and then exits 0.
   */
  private static byte[] image(int kib) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img");
    p.a.li(A0, kib << 10);
    p.sys(Xv6Abi.SYS_sbrk);
    if (kib > 0) {
      p.a.li(T1, 0x5a).sb(T1, 0, A0);
    }
    p.a.li(A0, 0).la(A1, "path");
    p.sys(Xv6Abi.SYS_checkpoint);
    String restored = p.fresh();
    p.a.bnez(A0, restored);
    p.exit(0);
    p.a.label(restored);
    p.a.li(A0, 0).la(A1, "bss").li(A2, 8);
    p.sys(Xv6Abi.SYS_read);
    p.exit(0);
    MemoryBlockDevice disk = Disks.withFiles(Map.of("mk", p.elf()));
    Machine m = Machines.runner(disk, Machines.LAWS);
    int pid = Machines.spawn(m, "mk");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Exited(pid, 0));
    return Disks.readFile(m, "/img").orElseThrow();
  }

  /** restore(path); exit 9 on failure (or with the code, if withCode). */
  private static byte[] restorer(String path, boolean withCode) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", path);
    p.restore("path");
    if (!withCode) {
      p.a.li(A0, 9);
    }
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }

  /** One failing restore or exec; exit 9 when it returns. */
  private static byte[] failing(Failing what) {
    switch (what) {
      case RESTORE_NO_FILE:
        return restorer("/none", false);
      case RESTORE_GARBAGE:
        return restorer("/junk", false);
      case RESTORE_TORN:
        return restorer("/torn", false);
      case RESTORE_NOMEM:
        return restorer("/img", false);
      case EXEC_NO_FILE:
        return execer("/none");
      case EXEC_GARBAGE:
        return execer("/junk");
      case EXEC_NOMEM:
        return execer("/ok");
      default:
        throw new IllegalArgumentException("unknown " + what);
    }
  }

  /** exec(path, {path, 0}); exit 9 when it returns. */
  private static byte[] execer(String path) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", path);
    p.a.la(T0, "bss").la(T1, "path").sd(T1, 0, T0).sd(0, 8, T0);
    p.a.la(A0, "path").la(A1, "bss");
    p.sys(SYS_exec);
    return p.exit(9).elf();
  }

  private static byte[] okProgram() {
    return new UserProgram(PAGED_BSS).exit(0).elf();
  }

  /** Writes a pattern over bss, blocks in read(0, bss, 8); at end of input prints "v". */
  private static byte[] victim() {
    UserProgram p = new UserProgram(PAGED_BSS).str("mark", "v");
    p.a.la(T0, "bss").li(T1, 0x1234_5678).li(A2, 4096).sd(T1, 0, T0);
    p.a.add(T0, T0, A2).sd(T1, 8, T0).add(T0, T0, A2).add(T0, T0, A2).sd(T1, 16, T0);
    p.a.li(A0, 0).la(A1, "bss").li(A2, 8);
    p.sys(Xv6Abi.SYS_read);
    return p.print("mark").exit(7).elf();
  }

  /**
   * The calls in order, their results ignored; exit 0. s0 = fd of "/out". At most 12 calls of at
   * most about 30 instructions each keep code and data inside the first page.
   */
  private static byte[] intruder(List<Call> calls) {
    UserProgram p =
        new UserProgram(PAGED_BSS)
            .str("out", "/out")
            .str("src", "/src")
            .str("vimg", "/vimg")
            .str("none", "/none");
    p.a.la(A0, "out").li(A1, O_CREATE | O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S0, A0);
    long grown = 0; // never shrink below the program's own size
    for (Call c : calls) {
      if (c instanceof WriteFrom) {
        WriteFrom w = (WriteFrom) c;
        p.a.mv(A0, S0).li(A1, w.addr()).li(A2, w.len());
        p.sys(Xv6Abi.SYS_write);
      } else if (c instanceof ReadInto) {
        ReadInto r = (ReadInto) c;
        p.a.la(A0, "src").li(A1, 0);
        p.sys(SYS_open);
        p.a.mv(T0, A0).li(A1, r.addr()).li(A2, r.len());
        p.sys(Xv6Abi.SYS_read);
        p.a.mv(A0, T0);
        p.sys(SYS_close);
      } else if (c instanceof Sbrk) {
        long n = Math.max(((Sbrk) c).n(), -grown);
        grown += n;
        p.a.li(A0, n);
        p.sys(Xv6Abi.SYS_sbrk);
      } else if (c instanceof ForkExit) {
        p.sys(Xv6Abi.SYS_fork);
        String parent = p.fresh();
        p.a.bnez(A0, parent);
        p.exit(0);
        p.a.label(parent).li(A0, 0);
        p.sys(Xv6Abi.SYS_wait);
      } else if (c instanceof CkptVictim) {
        p.a.li(A0, 2).la(A1, "vimg");
        p.sys(Xv6Abi.SYS_checkpoint);
      } else {
        p.restore("none");
      }
    }
    return p.exit(0).elf();
  }
}
