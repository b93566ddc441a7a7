package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;

/**
 * kernel-differential without xv6: the Java kernel against itself finds nothing on the corpus, and
 * against a Java kernel with a mistake planted finds exactly that mistake (a wrong result, a byte a
 * read did not write), while a pid shifted by one more process is the pid rule's, not a finding.
 */
class KernelDifferentialTargetTest {
  private static final KernelDifferentialStage PLAIN = KernelDifferentialJavaStage.standard();

  /** getpid; open("/README"); read(fd, BUF, 20); write(1, BUF, 5); uptime; close(fd). */
  private static byte[] readmeInput() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(0); // no fuzzed paths
    in.write(0);
    in.write(0); // an empty data buffer
    call(in, SYS_getpid);
    call(in, SYS_open, UserPrograms.PATHS, O_RDONLY); // slot 0: /README
    call(in, SYS_read, 3, UserPrograms.BUF, 20);
    call(in, SYS_write, 1, UserPrograms.BUF, 5);
    call(in, SYS_uptime);
    call(in, SYS_close, 3);
    return in.toByteArray();
  }

  /** One call: number byte, then six arguments as kind 1 (a raw i64). */
  private static void call(ByteArrayOutputStream out, int number, long... args) {
    out.write(number - 1); // number() maps byte b below 0xf0 to 1 + b % SYS_MAX_STOCK
    for (int i = 0; i < 6; i++) {
      out.write(1);
      long v = i < args.length ? args[i] : 0;
      for (int k = 0; k < 8; k++) out.write((int) (v >>> (8 * k)));
    }
  }

  private static KernelDifferentialStage planted(KernelDifferentialJavaStage.Plant plant) {
    return new KernelDifferentialJavaStage(
        KernelDifferentialJavaStage.standardDisk(), SyscallArgsTarget.CONFIG, 0, plant);
  }

  /** At each read that returned n > 0: do {@code what} to the machine. */
  private interface AtRead {
    Event.Returned at(Machine m, Event.Returned r);
  }

  private static KernelDifferentialJavaStage.Plant atRead(AtRead what) {
    return (m, r) -> {
      if (r.number() != SYS_read || r.result() <= 1) return r;
      return what.at(m, r);
    };
  }

  @Test
  void theJavaKernelAgainstItselfFindsNothingOnTheCorpus() throws IOException {
    KernelDifferentialTarget t = new KernelDifferentialTarget(PLAIN, PLAIN);
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("..", "corpus", "syscall-args"))) {
      files = s.sorted().toList();
    }
    assertThat(files.size()).isAtLeast(100);
    List<String> bad = new ArrayList<>();
    int calls = 0;
    for (Path f : files) {
      FuzzTarget.Verdict v = t.run(Files.readAllBytes(f));
      if (!(v instanceof FuzzTarget.Verdict.Pass) || v.summary().contains("allowed")) {
        bad.add(f.getFileName() + ": " + v.summary());
      }
      calls += Integer.parseInt(v.summary().split(" ")[0]);
    }
    assertThat(bad).isEmpty();
    assertThat(calls).isAtLeast(files.size()); // the comparison had calls to compare
  }

  @Test
  void aWrongResultIsTheFinding() {
    KernelDifferentialStage wrong =
        planted(
            atRead(
                (m, r) -> {
                  m.hart().setX(10, r.result() + 1); // the hart holds the caller's a0 here
                  return new Event.Returned(r.space(), r.number(), r.result() + 1, r.pc());
                })); // the hart holds the caller's a0
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, wrong).run(readmeInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) v;
    assertThat(f.rule()).isEqualTo("result-differs");
    assertThat(f.detail())
        .contains("call 2 read(0x3, 0x3000, 0x14, 0x0, 0x0, 0x0) returned 20 on a, 21 on b");
    assertThat(f.detail()).contains("a: java kernel; b: java kernel");
  }

  @Test
  void aByteTheReadDidNotWriteIsTheFinding() {
    KernelDifferentialStage dropped =
        planted(
            atRead(
                (m, r) -> { // the read's last byte never arrived
                  long last = UserPrograms.BUF + r.result() - 1;
                  UserPages.write(m.memory(), r.space(), last, new byte[1]);
                  return r;
                }));
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, dropped).run(readmeInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) v;
    assertThat(f.rule()).isEqualTo("write-differs");
    assertThat(f.detail()).startsWith("write-differs: server, call 2 read(");
    assertThat(f.detail()).contains("20 bytes at 0x3000");
    assertThat(f.detail()).contains("19 bytes at 0x3000");
  }

  @Test
  void aPidShiftedByOneMoreProcessIsThePidRulesNotAFinding() {
    KernelDifferentialStage shifted =
        new KernelDifferentialJavaStage(
            KernelDifferentialJavaStage.standardDisk(), SyscallArgsTarget.CONFIG, 1, null);
    assertThat(shifted.pids().server()).isEqualTo(PLAIN.pids().server() + 1);
    KernelDifferentialTarget t = new KernelDifferentialTarget(PLAIN, shifted);
    FuzzTarget.Verdict v = t.run(readmeInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(v.summary()).contains("a: family gone; b: family gone; allowed: pid x1");
    List<KernelDifferentialTrace> traces = t.traces(readmeInput());
    assertThat(traces.get(0).calls().get(0).result()).isEqualTo(3);
    assertThat(traces.get(1).calls().get(0).result()).isEqualTo(4);
  }

  /**
   * A call whose a7 has bits above 31 is the call xv6 dispatches (syscall() reads a7 into an int):
   * getpid issued with a7 = 0x1_0000_000b returns the caller's pid, compared as a name (found by a
   * 180 s campaign on the kit, session 14: "returned 3 on a, 7 on b").
   */
  @Test
  void aCallNumberIsA7sLow32BitsForThePidRuleToo() {
    byte[] in = java.util.HexFormat.of().parseHex("0000000000000000000000000000fb000000fb000b");
    KernelDifferentialStage shifted =
        new KernelDifferentialJavaStage(
            KernelDifferentialJavaStage.standardDisk(), SyscallArgsTarget.CONFIG, 4, null);
    KernelDifferentialTarget t = new KernelDifferentialTarget(PLAIN, shifted);
    FuzzTarget.Verdict v = t.run(in);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    KernelDifferentialTrace.Call getpid = t.traces(in).get(1).procs().get("server").get(1);
    assertThat(getpid.words()[0]).isEqualTo(SYS_getpid);
    assertThat(getpid.named()).isEqualTo("server");
  }

  @Test
  void aDroppedConsoleByteIsTheFinding() {
    KernelDifferentialStage quiet =
        planted(
            (m, r) -> {
              if (r.number() == SYS_write && r.result() == 5) m.takeOutput(); // output lost
              return r;
            });
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, quiet).run(readmeInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    assertThat(((FuzzTarget.Verdict.Fail) v).rule()).isEqualTo("console-differs");
  }

  @Test
  void onACKernelTheGuestEdgesReachLibFuzzerThroughValueProfiles() {
    FuzzTargets.Entry e = KernelDifferentialTarget.entry(Path.of("kernel"), Path.of("fs.img"), 1);
    assertThat(e.fuzzerOptions()).contains(SyscallArgsElfTarget.VALUE_PROFILE);
    assertThat(KernelDifferentialTarget.ENTRY.fuzzerOptions())
        .doesNotContain(SyscallArgsElfTarget.VALUE_PROFILE);
  }

  /** fork; getpid; dup(1): the server and its child each make the calls after the fork. */
  private static byte[] forkInput() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(0);
    in.write(0);
    in.write(0);
    call(in, SYS_fork);
    call(in, SYS_getpid);
    call(in, SYS_dup, 1);
    return in.toByteArray();
  }

  @Test
  void aChildsCallsAreComparedOneByOne() {
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, PLAIN).run(forkInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    // the server's fork, getpid, dup and the child's getpid, dup
    assertThat(v.summary()).startsWith("5 calls compared in 2 processes");
  }

  @Test
  void aChildsWrongResultIsTheFinding() {
    KernelDifferentialStage wrong =
        planted(
            (m, r) -> {
              boolean child =
                  m.proc().live().stream().anyMatch(p -> p.pagetable() == r.space() && p.pid() > 3);
              if (r.number() != SYS_dup || !child) return r;
              m.hart().setX(10, r.result() + 1);
              return new Event.Returned(r.space(), r.number(), r.result() + 1, r.pc());
            });
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, wrong).run(forkInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) v;
    assertThat(f.rule()).isEqualTo("result-differs");
    assertThat(f.detail()).startsWith("result-differs: server/0, call 2 dup(0x1");
    assertThat(f.detail()).contains("returned 3 on a, 4 on b");
  }

  @Test
  void aForkThatFailsWithSlotsAndPagesToSpareIsTheFinding() {
    KernelDifferentialStage refusing =
        planted(
            (m, r) -> {
              if (r.number() != SYS_fork || r.result() <= 0) return r;
              m.hart().setX(10, -1); // the parent is told it failed (its child still runs)
              return new Event.Returned(r.space(), r.number(), -1, r.pc());
            });
    FuzzTarget.Verdict v = new KernelDifferentialTarget(PLAIN, refusing).run(forkInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) v;
    assertThat(f.rule()).isEqualTo("result-differs");
    assertThat(f.detail()).contains("returned 4 (server/0) on a, -1 on b (b: not short: ");
    assertThat(f.detail()).contains("free process slots");
  }

  @Test
  void aForkBombMeetingAFullerTableIsOutOfMemoryWithItsEvidence() throws IOException {
    // three more processes on b: its table is full three forks sooner
    KernelDifferentialStage fuller =
        new KernelDifferentialJavaStage(
            KernelDifferentialJavaStage.standardDisk(), SyscallArgsTarget.CONFIG, 3, null);
    byte[] bomb =
        Files.readAllBytes(Path.of("..", "corpus", "syscall-args", "seed-exhaust-processes"));
    KernelDifferentialTarget t = new KernelDifferentialTarget(PLAIN, fuller);
    FuzzTarget.Verdict v = t.run(bomb);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(v.summary()).contains("out-of-memory x");
    List<KernelDifferentialTrace> traces = t.traces(bomb);
    List<KernelDifferentialTrace.Supply> failed =
        traces.get(1).procs().values().stream()
            .flatMap(List::stream)
            .filter(c -> c.words()[0] == SYS_fork && c.result() == -1)
            .map(KernelDifferentialTrace.Call::supply)
            .toList();
    assertThat(failed).isNotEmpty();
    assertThat(failed.stream().allMatch(s -> s.slots() == 0)).isTrue();
  }

  @Test
  void aPidShiftOfTheWholeFamilyIsThePidRulesNotAFinding() {
    KernelDifferentialStage shifted =
        new KernelDifferentialJavaStage(
            KernelDifferentialJavaStage.standardDisk(), SyscallArgsTarget.CONFIG, 1, null);
    KernelDifferentialTarget t = new KernelDifferentialTarget(PLAIN, shifted);
    FuzzTarget.Verdict v = t.run(forkInput());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    // fork's result and both getpids: 4/3/4 against 5/4/5, the same processes
    assertThat(v.summary()).endsWith("allowed: pid x3");
    List<KernelDifferentialTrace> traces = t.traces(forkInput());
    assertThat(traces.get(0).procs().get("server/0").get(0).result()).isEqualTo(4);
    assertThat(traces.get(1).procs().get("server/0").get(0).result()).isEqualTo(5);
  }

  /**
   * A side that is {@code stage} but for its guest coverage, here the toy kernel's (a C kernel's
   * stage hands over syscall-args' instance the same way).
   */
  private static KernelDifferentialStage withCoverage(
      KernelDifferentialStage stage, GuestCoverage coverage) {
    return (KernelDifferentialStage)
        java.lang.reflect.Proxy.newProxyInstance(
            KernelDifferentialStage.class.getClassLoader(),
            new Class<?>[] {KernelDifferentialStage.class},
            (proxy, method, args) ->
                method.getName().equals("coverage")
                    ? java.util.Optional.of(coverage)
                    : method.invoke(stage, args));
  }

  @Test
  void aCSidesGuestEdgesAreFedAfterEachInputAndItsFunctionsReported() {
    List<Integer> fed = new ArrayList<>();
    GuestMagicKernel toy = new GuestMagicKernel((edge, hits) -> fed.add(edge));
    KernelDifferentialTarget t =
        new KernelDifferentialTarget(PLAIN, withCoverage(PLAIN, toy.coverage));
    t.trackKernelFunctions();
    toy.run(GuestMagicKernel.MAGIC); // the edges a guest kernel's run leaves in the map
    assertThat(t.run(readmeInput())).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(fed).isNotEmpty();
    assertThat(t.kernelFunctionsReached())
        .startsWith("java kernel: kernel functions reached: 4 of 4");
  }
}
