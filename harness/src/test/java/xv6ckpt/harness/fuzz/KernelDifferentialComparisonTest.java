package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.harness.fuzz.KernelDifferentialRule.*;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Call;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Supply;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Write;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * The per-process comparison on traces written by hand: each rule allows exactly the difference it
 * names, where it names it (a pipe's read but not a file's before any fork, wait's other child but
 * not a stranger, a shorter trace where a kill found the process but not elsewhere).
 */
class KernelDifferentialComparisonTest {
  private static final KernelDifferentialStage.Pids PIDS =
      new KernelDifferentialStage.Pids(1, 2, 3);

  /** A side under construction: processes by name, each a list of calls. */
  private static final class Side {
    final Map<String, List<Call>> procs = new LinkedHashMap<>();
    Set<String> killed = Set.of();
    String end = "family gone";
    String console = "";
    int lostBirths;

    Side call(String proc, int index, long number, long a0, long a2, long result) {
      return call(proc, index, number, a0, a2, result, null, List.of(), !proc.equals("server"));
    }

    Side call(
        String proc,
        int index,
        long number,
        long a0,
        long a2,
        long result,
        String named,
        List<Write> writes,
        boolean concurrent) {
      long[] words = {number, a0, 0x3000, a2, 0, 0, 0};
      procs
          .computeIfAbsent(proc, p -> new ArrayList<>())
          .add(new Call(index, words, result, named, writes, 7, concurrent, null));
      return this;
    }

    /** Gives the last call of {@code proc} what its kernel had left ({@link Supply}). */
    Side left(String proc, int pages, int slots, int files, long need) {
      return left(proc, pages, slots, files, need, true);
    }

    /** The same, read after other processes ran during the call when not {@code alone}. */
    Side left(String proc, int pages, int slots, int files, long need, boolean alone) {
      List<Call> calls = procs.get(proc);
      Call c = calls.remove(calls.size() - 1);
      calls.add(
          new Call(
              c.index(),
              c.words(),
              c.result(),
              c.named(),
              c.writes(),
              c.pages(),
              c.concurrent(),
              new Supply(pages, slots, files, need, alone)));
      return this;
    }

    KernelDifferentialTrace trace() {
      return new KernelDifferentialTrace(
          KernelIdentity.JAVA, PIDS, procs, killed, end, console, Map.of(), List.of(), lostBirths);
    }
  }

  private static KernelDifferentialComparison.Result compare(Side a, Side b) {
    return KernelDifferentialComparison.of(a.trace(), b.trace());
  }

  private static List<Write> bytes(int n) {
    return List.of(new Write(0x3000, new byte[] {(byte) n}));
  }

  /** The server forks child server/0 at call 0 on both sides (pids 4 and 8). */
  private static Side forked(long childPid) {
    return new Side()
        .call("server", 0, SYS_fork, 0, 0, childPid, "server/0", List.of(), false)
        .call("server/0", 1, SYS_getpid, 0, 0, childPid, "server/0", List.of(), true);
  }

  @Test
  void aChildsCallsAreComparedAndAPidShiftIsThePidRule() {
    KernelDifferentialComparison.Result r = compare(forked(4), forked(8));
    assertThat(r.finding()).isEmpty();
    assertThat(r.calls()).isEqualTo(2);
    assertThat(r.processes()).isEqualTo(2);
    assertThat(r.allowed()).containsExactly(PID, 2);
  }

  @Test
  void aChildsWrongResultIsTheFinding() {
    Side a = forked(4).call("server/0", 2, SYS_dup, 1, 0, 3);
    Side b = forked(4).call("server/0", 2, SYS_dup, 1, 0, 4);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isPresent();
    assertThat(r.finding().get().detail())
        .startsWith("result-differs: server/0, call 2 dup(0x1, 0x3000, 0x0");
  }

  @Test
  void aPipesShortReadBesideASiblingIsThePipeRuleAndEndsThatProcess() {
    // pipe gives fds 3 and 4 (the lowest free); the child reads 5 bytes on a, 2 on b
    Side a = piped(), b = piped();
    a.call("server/1", 2, SYS_read, 3, 8, 5, null, bytes(5), true);
    b.call("server/1", 2, SYS_read, 3, 8, 2, null, bytes(2), true);
    a.call("server/1", 3, SYS_dup, 1, 0, 5); // past the difference: not compared
    b.call("server/1", 3, SYS_dup, 1, 0, 9);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(PIPE, 1);
    assertThat(r.stopped()).containsExactly("server/1 at call 2: pipe");
  }

  @Test
  void aReadBeyondWhatWasAskedIsNoPipeDifference() {
    Side a = piped(), b = piped();
    a.call("server/1", 2, SYS_read, 3, 8, 5, null, bytes(5), true);
    b.call("server/1", 2, SYS_read, 3, 8, 9, null, bytes(9), true);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
  }

  /** pipe at call 0, fork at call 1 (child server/1). */
  private static Side piped() {
    return new Side()
        .call("server", 0, SYS_pipe, 0x3100, 0, 0, null, List.of(), false)
        .call("server", 1, SYS_fork, 0, 0, 4, "server/1", List.of(), false);
  }

  @Test
  void theServersReadBeforeAnyForkMustAgree() {
    Side a = new Side().call("server", 0, SYS_read, 0, 8, 5, null, bytes(5), false);
    Side b = new Side().call("server", 0, SYS_read, 0, 8, 2, null, bytes(2), false);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
  }

  @Test
  void aSharedFilesReadBesideASiblingIsTheSharedFileRule() {
    Side a = forked(4).call("server/0", 2, SYS_read, 1, 8, 5, null, bytes(5), true);
    Side b = forked(4).call("server/0", 2, SYS_read, 1, 8, 0, null, List.of(), true);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(SHARED_FILE, 1);
  }

  @Test
  void waitMayReapAnotherChildButNotAStranger() {
    Side a = twoChildren().call("server", 2, SYS_wait, 0, 0, 4, "server/0", List.of(), true);
    Side b = twoChildren().call("server", 2, SYS_wait, 0, 0, 5, "server/1", List.of(), true);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(WAIT_ORDER, 1);
    assertThat(r.stopped()).isEmpty(); // no status written: the server goes on being compared

    Side c = twoChildren().call("server", 2, SYS_wait, 0, 0, 2, "bystander", List.of(), true);
    assertThat(compare(a, c).finding().get().rule()).isEqualTo("result-differs");
  }

  private static Side twoChildren() {
    return new Side()
        .call("server", 0, SYS_fork, 0, 0, 4, "server/0", List.of(), false)
        .call("server", 1, SYS_fork, 0, 0, 5, "server/1", List.of(), true);
  }

  @Test
  void aShorterTraceIsAllowedOnlyWhereAKillFoundTheProcess() {
    Side a = forked(4).call("server/0", 2, SYS_dup, 1, 0, 3);
    Side b = forked(4);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("calls-differ");
    b.killed = Set.of("server/0");
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(KILL, 1);
  }

  /**
   * A fork bomb on a C kernel: children of parents in the same state cannot all be named at the
   * boundary (session 14: 8 forks then getpid, 187 of 256 processes unnamed on f5b93ef and the
   * kit). A process with no recorded call on such a side is not judged; with every birth named its
   * missing calls are a finding.
   */
  @Test
  void aProcessMissingOnASideThatLostBirthsIsNotJudged() {
    Side a = twoChildren().call("server/1", 2, SYS_getpid, 0, 0, 5, "server/1", List.of(), true);
    Side b = twoChildren();
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("calls-differ");
    b.lostBirths = 1;
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.unjudged()).containsExactly("server/1 (1 unnamed births on b)");
    Side c = twoChildren().call("server/1", 2, SYS_getpid, 0, 0, 5, "server/1", List.of(), true);
    Side d = twoChildren().call("server/1", 2, SYS_getpid, 0, 0, 5, "server/1", List.of(), true);
    d.lostBirths = 1; // named and recorded: still judged
    c.call("server/1", 3, SYS_dup, 1, 0, 3);
    assertThat(compare(c, d).finding().get().rule()).isEqualTo("calls-differ");
  }

  @Test
  void aShorterTraceOnASideThatStoppedEarlyIsNotJudged() {
    Side a = forked(4).call("server/0", 2, SYS_dup, 1, 0, 3);
    Side b = forked(4);
    b.end = "family quiet";
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.unjudged()).containsExactly("server/0 past call 2");
  }

  @Test
  void aPathCallsOutcomeBesideASiblingThatChangedNamesIsTheNamespaceRule() {
    Side a = forked(4).call("server/0", 2, SYS_unlink, 0x2000, 0, 0);
    Side b = forked(4).call("server/0", 2, SYS_unlink, 0x2000, 0, -1);
    // no other process changed a name: the name was there on both sides or on neither
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
    Side e = forked(4).call("server/0", 2, SYS_unlink, 0x2000, 0, 0);
    Side f = forked(4).call("server/0", 2, SYS_unlink, 0x2000, 0, -1);
    e.call("server", 1, SYS_mkdir, 0x2100, 0, 0, null, List.of(), true); // a name made elsewhere
    f.call("server", 1, SYS_mkdir, 0x2100, 0, 0, null, List.of(), true);
    KernelDifferentialComparison.Result r = compare(e, f);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(NAMESPACE, 1);
    Side c = forked(4).call("server/0", 2, SYS_open, 0x2000, 0, 3);
    Side d = forked(4).call("server/0", 2, SYS_open, 0x2000, 0, 4);
    assertThat(compare(c, d).finding().get().rule()).isEqualTo("result-differs");
  }

  @Test
  void anOpenRefusedBesideSiblingsThatChangedNothingNeedsAFullFileTable() {
    Side a = forked(4).call("server/0", 2, SYS_open, 0x2000, 0, 3);
    Side b = forked(4).call("server/0", 2, SYS_open, 0x2000, 0, -1).left("server/0", 900, 9, 0, 0);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(OUT_OF_MEMORY, 1);
    b.left("server/0", 900, 9, 4, 0);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
  }

  @Test
  void theConsoleMayInterleaveButMustHoldTheSameBytes() {
    Side a = forked(4), b = forked(4);
    a.console = "ab\n";
    b.console = "ba\n";
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(SCHEDULE, 1);
    b.console = "bb\n";
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("console-differs");
  }

  @Test
  void aRefusalsConsoleLineMustNameTheSameRuleButMayExplainItsOwnWay() {
    Side a = new Side().call("server", 0, SYS_restore, 0x2000, 0, -40, null, List.of(), false);
    Side b = new Side().call("server", 0, SYS_restore, 0x2000, 0, -40, null, List.of(), false);
    a.console = "restore: RESTORE_NO_FILE (-40): /d is not a regular file\n";
    b.console = "restore: RESTORE_NO_FILE (-40): /d is a directory or a device\n";
    assertThat(compare(a, b).finding()).isEmpty();
    b.console = "restore: RESTORE_BAD_MAGIC (-10): /d is a directory or a device\n";
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("console-differs");
    b.console = "restore: RESTORE_NO_FILE (-40): /d is not a regular file\nmore\n";
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("console-differs");
  }

  /** usertrap's unexpected-trap lines: f5b93ef's %p, later xv6's %lx; the pid masked. */
  @Test
  void anUnexpectedTrapsNumbersMayBePrintedWithOrWithoutLeadingZeros() {
    Side a = new Side().call("server", 0, SYS_getpid, 0, 0, 3, "server", List.of(), false);
    Side b = new Side().call("server", 0, SYS_getpid, 0, 0, 7, "server", List.of(), false);
    a.console = "usertrap(): unexpected scause 0x2 pid=3\n            sepc=0x34 stval=0x4\n";
    b.console =
        "usertrap(): unexpected scause 0x0000000000000002 pid=7\n"
            + "            sepc=0x0000000000000034 stval=0x0000000000000004\n";
    assertThat(compare(a, b).finding()).isEmpty();
    b.console = b.console.replace("stval=0x0000000000000004", "stval=0x0000000000000008");
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("console-differs");
  }

  @Test
  void aChildForkedAfterItsParentsComparisonEndedIsNotCompared() {
    Side a = new Side(), b = new Side();
    a.call("server", 0, SYS_sbrk, 4096, 0, 0x5000, null, List.of(), false);
    b.call("server", 0, SYS_sbrk, 4096, 0, -1, null, List.of(), false);
    a.call("server", 1, SYS_fork, 0, 0, 4, "server/1", List.of(), false);
    a.call("server/1", 2, SYS_dup, 1, 0, 3);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsExactly(OUT_OF_MEMORY, 1);
    assertThat(r.processes()).isEqualTo(1);
  }

  @Test
  void killOfPidZeroIsXv6sOwnRule() {
    // xv6's kill(0) finds a free slot (pid 0) and poisons the next process made there
    Side a = new Side().call("server", 0, SYS_kill, 0, 0, -1, null, List.of(), false);
    Side b = new Side().call("server", 0, SYS_kill, 0, 0, 0, null, List.of(), false);
    a.call("server", 1, SYS_fork, 0, 0, 4, "server/1", List.of(), false);
    b.call("server", 1, SYS_fork, 0, 0, 4, "server/1", List.of(), false);
    a.call("server/1", 2, SYS_dup, 1, 0, 3);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("calls-differ");
    b.killed = Set.of("pid 0");
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsExactly(KILL_PID_ZERO, 2);
    Side c = new Side().call("server", 0, SYS_kill, 5, 0, -1, null, List.of(), false);
    Side d = new Side().call("server", 0, SYS_kill, 5, 0, 0, null, List.of(), false);
    assertThat(compare(c, d).finding().get().rule()).isEqualTo("result-differs");
  }

  /** The server forks at call 0: a child on side a, -1 on side b (given what b had left). */
  private static KernelDifferentialComparison.Result forkFailsOnB(
      int pages, int slots, int files, long need) {
    Side a = new Side().call("server", 0, SYS_fork, 0, 0, 4, "server/0", List.of(), false);
    Side b = new Side().call("server", 0, SYS_fork, 0, 0, -1, null, List.of(), false);
    b.left("server", pages, slots, files, need);
    return compare(a, b);
  }

  @Test
  void aForkFailingOnOneSideIsOutOfMemoryOnlyWhereThatSideWasShort() {
    KernelDifferentialComparison.Result full = forkFailsOnB(5000, 0, 90, 13);
    assertThat(full.finding()).isEmpty();
    assertThat(full.allowed()).containsExactly(OUT_OF_MEMORY, 1);
    assertThat(full.notes().toString()).contains("(b: no free process slot)");
    KernelDifferentialComparison.Result pages = forkFailsOnB(12, 10, 90, 13);
    assertThat(pages.finding()).isEmpty();
    assertThat(pages.notes().toString()).contains("12 free pages, the call needs up to 13");
    // a slot free and pages enough: the -1 is no limit's, it is a difference
    KernelDifferentialComparison.Result plenty = forkFailsOnB(13, 1, 90, 13);
    assertThat(plenty.finding().get().rule()).isEqualTo("result-differs");
    assertThat(plenty.finding().get().detail())
        .contains("returned 4 (server/0) on a, -1 on b (b: not short: 13 free pages");
    assertThat(plenty.finding().get().detail()).contains("1 free process slots");
  }

  @Test
  void whatASideDoesNotShowLeavesTheFailureAllowedButUnverified() {
    KernelDifferentialComparison.Result noSlots = forkFailsOnB(5000, -1, 90, 13);
    assertThat(noSlots.finding()).isEmpty();
    assertThat(noSlots.notes().toString()).contains("unverified: 5000 free pages");
    assertThat(noSlots.notes().toString()).contains("unknown free process slots");
    assertThat(forkFailsOnB(-1, 3, 90, 13).finding()).isEmpty();
    // a slot free at the return, but other processes ran after the fork decided: they may have
    // freed it
    Side a = new Side().call("server", 0, SYS_fork, 0, 0, 4, "server/0", List.of(), false);
    Side b = new Side().call("server", 0, SYS_fork, 0, 0, -1, null, List.of(), false);
    b.left("server", 5000, 15, 90, 13, false);
    KernelDifferentialComparison.Result late = compare(a, b);
    assertThat(late.finding()).isEmpty();
    assertThat(late.notes().toString())
        .contains("unverified: 5000 free pages (the call needs at most 13), 15 free process slots");
    assertThat(late.notes().toString()).contains("read after other processes ran during the call");
  }

  @Test
  void sbrkAndPipeFailingOnOneSideNeedTheirOwnShortage() {
    Side a = new Side().call("server", 0, SYS_sbrk, -4096, 0, 0x4000, null, List.of(), false);
    Side b = new Side().call("server", 0, SYS_sbrk, -4096, 0, -1, null, List.of(), false);
    b.left("server", 0, 10, 90, 0); // shrinking allocates nothing: even 0 free pages are enough
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
    Side c = new Side().call("server", 0, SYS_pipe, 0x3000, 0, 0, null, List.of(), false);
    Side d = new Side().call("server", 0, SYS_pipe, 0x3000, 0, -1, null, List.of(), false);
    d.left("server", 100, 10, 1, 1);
    assertThat(compare(c, d).finding()).isEmpty();
    assertThat(compare(c, d).notes().toString()).contains("1 free open-file entries");
    d.left("server", 100, 10, 2, 1);
    assertThat(compare(c, d).finding().get().detail()).contains("not short: 100 free pages");
  }

  @Test
  void anExecFailingOnOneSideOnlyMustHaveBeenShortThere() {
    // a's exec replaced the server (no return); b's returned -1
    Side a = new Side().call("server", 0, SYS_getpid, 0, 0, 3, "server", List.of(), false);
    Side b = new Side().call("server", 0, SYS_getpid, 0, 0, 3, "server", List.of(), false);
    b.call("server", 1, SYS_exec, 0x3000, 0, -1, null, List.of(), false)
        .left("server", 9, 10, 90, 40);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsExactly(OUT_OF_MEMORY, 1);
    assertThat(r.notes().toString()).contains("9 free pages, the call needs up to 40");
    b.left("server", 4000, 10, 90, 40);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("calls-differ");
    assertThat(compare(a, b).finding().get().detail()).contains("(not short: 4000 free pages");
  }

  /** The server forks at 0 (child server/0); the child opens a file of its own (fd 3) at 2. */
  private static Side ownFile() {
    return forked(4).call("server/0", 2, SYS_open, 0x3100, 0, 3, null, List.of(), true);
  }

  @Test
  void aFileNoRelativeSharesOrChangedMustReadTheSame() {
    Side a = ownFile().call("server/0", 3, SYS_read, 3, 8, 5, null, bytes(5), true);
    Side b = ownFile().call("server/0", 3, SYS_read, 3, 8, 2, null, bytes(2), true);
    assertThat(compare(a, b).finding().get().rule()).isEqualTo("result-differs");
    // a sibling that wrote a file (its own fd 3) may have changed what the read saw
    a.call("server", 1, SYS_open, 0x3100, 0, 3, null, List.of(), true);
    a.call("server", 2, SYS_write, 3, 8, 8, null, List.of(), true);
    b.call("server", 1, SYS_open, 0x3100, 0, 3, null, List.of(), true);
    b.call("server", 2, SYS_write, 3, 8, 8, null, List.of(), true);
    KernelDifferentialComparison.Result r = compare(a, b);
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsEntry(SHARED_FILE, 1);
  }

  @Test
  void aDescriptorOpenAtAForkSharesItsOffsetAndADupOfItToo() {
    // the server opens fd 3, dups it to 4, then forks: the child's reads on 3 and 4 share offsets
    Side a = new Side(), b = new Side();
    for (Side s : List.of(a, b)) {
      s.call("server", 0, SYS_open, 0x3100, 0, 3, null, List.of(), false)
          .call("server", 1, SYS_dup, 3, 0, 4, null, List.of(), false)
          .call("server", 2, SYS_fork, 0, 0, 4, "server/2", List.of(), false);
    }
    a.call("server/2", 3, SYS_read, 4, 8, 5, null, bytes(5), true);
    b.call("server/2", 3, SYS_read, 4, 8, 3, null, bytes(3), true);
    assertThat(compare(a, b).finding()).isEmpty();
    assertThat(compare(a, b).allowed()).containsEntry(SHARED_FILE, 1);
    // closed and opened again after the fork, the number names a file of the child's own
    Side c = new Side(), d = new Side();
    for (Side s : List.of(c, d)) {
      s.call("server", 0, SYS_open, 0x3100, 0, 3, null, List.of(), false)
          .call("server", 1, SYS_fork, 0, 0, 4, "server/1", List.of(), false)
          .call("server/1", 2, SYS_close, 3, 0, 0, null, List.of(), true)
          .call("server/1", 3, SYS_open, 0x3100, 0, 3, null, List.of(), true);
    }
    c.call("server/1", 4, SYS_read, 3, 8, 5, null, bytes(5), true);
    d.call("server/1", 4, SYS_read, 3, 8, 3, null, bytes(3), true);
    assertThat(compare(c, d).finding().get().rule()).isEqualTo("result-differs");
  }

  /** fstat(fd, 0x3000) writing these bytes of a struct stat over zeros, as the server's call 0. */
  private static Side fstat(long fd, byte[] stat) {
    List<Write> w = new ArrayList<>();
    for (int i = 0; i < stat.length; i++) {
      if (stat[i] != 0) w.add(new Write(0x3000 + i, new byte[] {stat[i]}));
    }
    return new Side().call("server", 0, SYS_fstat, fd, 0, 0, null, w, false);
  }

  @Test
  void fstatsPaddingMayHoldXv6sStackButNoFieldMayDiffer() {
    byte[] ours = new byte[24], xv6 = new byte[24];
    ours[4] = xv6[4] = 24; // ino
    ours[8] = xv6[8] = 3; // T_DEVICE
    ours[10] = xv6[10] = 1; // nlink
    xv6[12] = 0x3f; // padding: kernel stack
    xv6[15] = 0x7e;
    KernelDifferentialComparison.Result r = compare(fstat(2, ours), fstat(2, xv6));
    assertThat(r.finding()).isEmpty();
    assertThat(r.allowed()).containsExactly(STAT_PADDING, 1);
    assertThat(r.stopped()).isEmpty(); // the comparison goes on
    xv6[16] = 9; // size: a field, and no sibling ran
    assertThat(compare(fstat(2, ours), fstat(2, xv6)).finding().get().rule())
        .isEqualTo("write-differs");
  }
}
