package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The reaper's sweeps on a C kernel, without xv6 (CI has none): re-armed only after a fork result
 * the last sweep did not cover, wide once a child may exist, one pid for a childless server.
 */
class ReaperSweepsTest {
  static final int SERVER = 7, NPROC = 64;

  @Test
  void aChildlessServerIsSweptAloneAndOnlyOnce() {
    ReaperSweeps s = new ReaperSweeps(SERVER, SERVER, NPROC);
    assertThat(s.due(0)).isTrue();
    assertThat(s.arm(0)).isEqualTo(SERVER);
    assertThat(s.due(0)).isFalse(); // no fork since: the reaper is left to the CPU's other users
    s.forked(-1); // a failed fork makes no child
    s.forked(0); // nor does a child's own return
    assertThat(s.due(0)).isFalse();
  }

  @Test
  void aForkInFlightOrDiedInMakesTheRangeWide() {
    ReaperSweeps s = new ReaperSweeps(SERVER, SERVER, NPROC);
    assertThat(s.arm(1)).isEqualTo(SERVER + NPROC);
  }

  /**
   * The server alone was swept, then it issued a fork: if the reaper kills it inside the fork, the
   * child's pid is never seen, so a wide sweep is due as soon as the fork is in flight, once.
   */
  @Test
  void aForkIssuedAfterASweepOfTheServerAloneMakesAWideOneDue() {
    ReaperSweeps s = new ReaperSweeps(SERVER, SERVER, NPROC);
    assertThat(s.arm(0)).isEqualTo(SERVER);
    assertThat(s.due(0)).isFalse();
    assertThat(s.due(1)).isTrue();
    assertThat(s.arm(1)).isEqualTo(SERVER + NPROC);
    assertThat(s.due(1)).isFalse(); // wide already: the fork that never returns changes nothing
  }

  @Test
  void reArmedOnlyAfterAForkResultAboveTheLastSweeps() {
    ReaperSweeps s = new ReaperSweeps(SERVER, SERVER + 3, NPROC);
    assertThat(s.arm(0)).isEqualTo(SERVER + 3 + NPROC);
    assertThat(s.due(0)).isFalse();
    s.forked(SERVER + 2); // covered by the sweep armed with SERVER + 3
    s.forked(SERVER + 3);
    assertThat(s.due(0)).isFalse();
    s.forked(SERVER + 5); // taken after the sweep was armed: sweep again
    assertThat(s.due(0)).isTrue();
    assertThat(s.arm(0)).isEqualTo(SERVER + 5 + NPROC);
    assertThat(s.due(0)).isFalse();
  }
}
