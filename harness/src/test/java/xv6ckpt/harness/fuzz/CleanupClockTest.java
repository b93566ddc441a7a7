package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How long syscall-args' cleanup on a C kernel runs, without xv6 (CI has none): the whole budget,
 * then on while what it sees still changes, up to the limit; "stalled" only after a quiet stretch.
 */
class CleanupClockTest {
  static final long BUDGET = 50, LIMIT = 200, STALL = 4, SLICE = 1;

  /** Runs slices until the clock stops, showing {@code activity(step)} after each; the steps. */
  static long run(CleanupClock c, java.util.function.LongFunction<Object> activity) {
    while (c.goOn()) {
      c.ran(SLICE);
      if (c.watching()) c.saw(activity.apply(c.spent()));
    }
    return c.spent();
  }

  @Test
  void nothingMovingEndsAtTheBudgetStalled() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    assertThat(run(c, t -> "still")).isEqualTo(BUDGET);
    assertThat(c.stalled()).isTrue();
  }

  /** The link fork bomb of session 14: processes end one by one well past the budget, then stop. */
  @Test
  void leftoversThatKeepEndingAreFollowedPastTheBudgetUntilTheyStop() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    long spent = run(c, t -> Math.min(t, 84) / 3); // one more zombie every 3 steps until 84
    assertThat(spent).isEqualTo(84 - 84 % 3 + STALL);
    assertThat(c.stalled()).isTrue();
  }

  @Test
  void leftoversStillMovingAtTheLimitAreNotStalled() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    assertThat(run(c, t -> t / 2)).isEqualTo(LIMIT);
    assertThat(c.stalled()).isFalse(); // the caller passes it, not judged to the end
  }

  @Test
  void aReturnedCallIsProgressToo() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    c.ran(BUDGET);
    c.moved();
    c.ran(STALL - 1);
    assertThat(c.goOn()).isTrue();
    assertThat(c.stalled()).isFalse();
    c.ran(1);
    assertThat(c.goOn()).isFalse();
    assertThat(c.stalled()).isTrue();
  }

  /** Looking costs a walk of the free list: only from a stall before the budget on. */
  @Test
  void theCallerLooksOnlyWhenItCanMatter() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    c.ran(BUDGET - STALL - 1);
    assertThat(c.watching()).isFalse();
    c.ran(1);
    assertThat(c.watching()).isTrue();
    c.saw("before"); // the baseline, not a move
    c.ran(STALL);
    assertThat(c.stalled()).isTrue();
    c.saw("after");
    assertThat(c.stalled()).isFalse();
  }

  @Test
  void progressThatStopsBeforeTheBudgetStillRunsTheBudget() {
    CleanupClock c = new CleanupClock(BUDGET, LIMIT, STALL);
    assertThat(run(c, t -> Math.min(t, 10))).isEqualTo(BUDGET);
    assertThat(c.stalled()).isTrue();
  }
}
