package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;

/**
 * The PLIC against a plain model of the spec's gateway and claim rule, over generated scripts of
 * line changes and register writes made through the MMIO window as a kernel makes them.
 */
class PlicPropertiesTest {

  private static final int HARTS = 2;
  private static final int CONTEXTS = 2 * HARTS;
  private static final int SOURCES = 40; // two enable words, the second one partial

  sealed interface Action permits Line, Priority, Enable, Threshold, Claim, Complete {}

  record Line(int source, boolean high) implements Action {}

  record Priority(int source, int value) implements Action {}

  /** A whole enable word written at once, as xv6 does: random bits enable about half. */
  record Enable(int ctx, int word, int bits) implements Action {}

  record Threshold(int ctx, int value) implements Action {}

  record Claim(int ctx) implements Action {}

  record Complete(int ctx, int source) implements Action {}

  /** What the spec says, written out longhand. */
  static final class Model {
    final boolean[] level = new boolean[SOURCES];
    final boolean[] pending = new boolean[SOURCES];
    final boolean[] inFlight = new boolean[SOURCES];
    final int[] priority = new int[SOURCES];
    final boolean[][] enabled = new boolean[CONTEXTS][SOURCES];
    final int[] threshold = new int[CONTEXTS];

    /** The highest-priority pending, enabled, not-in-flight source above the threshold. */
    int expectedClaim(int ctx) {
      int best = 0;
      int bestPriority = -1;
      for (int s = 1; s < SOURCES; s++) {
        boolean eligible =
            pending[s] && !inFlight[s] && enabled[ctx][s] && priority[s] > threshold[ctx];
        if (eligible && priority[s] > bestPriority) {
          best = s;
          bestPriority = priority[s];
        }
      }
      return best;
    }
  }

  @Property(tries = 400)
  void claimsAlwaysReturnTheHighestPriorityEnabledPendingSource(
      @ForAll("priorities") List<Integer> initial, @ForAll("scripts") List<Action> script) {
    Plic plic = new Plic(HARTS, SOURCES);
    Model m = new Model();
    for (int s = 0; s < SOURCES; s++) { // plicinit: every source gets its priority first
      apply(plic, m, new Priority(s, initial.get(s)));
    }
    for (Action a : script) {
      apply(plic, m, a);
      for (int ctx = 0; ctx < CONTEXTS; ctx++) {
        int want = m.expectedClaim(ctx);
        assertWithMessage("claimable(%s) after %s", ctx, a)
            .that(plic.claimable(ctx))
            .isEqualTo(want);
        boolean eip = ctx % 2 == 0 ? plic.meip(ctx / 2) : plic.seip(ctx / 2);
        assertWithMessage("eip of context %s after %s", ctx, a).that(eip).isEqualTo(want != 0);
      }
    }
  }

  private static void apply(Plic plic, Model m, Action a) {
    if (a instanceof Line l) {
      plic.line(l.source()).set(l.high());
      m.level[l.source()] = l.high();
      if (!m.inFlight[l.source()]) {
        m.pending[l.source()] = l.high();
      }
    } else if (a instanceof Priority p) {
      plic.write(Plic.PRIORITY + 4L * p.source(), 4, p.value());
      if (p.source() != 0) {
        m.priority[p.source()] = p.value() & 7;
      }
    } else if (a instanceof Enable e) {
      plic.write(Plic.ENABLE + Plic.ENABLE_STRIDE * e.ctx() + 4L * e.word(), 4, e.bits());
      for (int i = 0; i < 32; i++) {
        int s = 32 * e.word() + i;
        if (s > 0 && s < SOURCES) {
          m.enabled[e.ctx()][s] = (e.bits() >>> i & 1) != 0;
        }
      }
    } else if (a instanceof Threshold t) {
      plic.write(Plic.CONTEXT + Plic.CONTEXT_STRIDE * t.ctx(), 4, t.value());
      m.threshold[t.ctx()] = t.value() & 7;
    } else if (a instanceof Claim c) {
      claim(plic, m, c.ctx());
    } else if (a instanceof Complete c) {
      plic.write(Plic.CONTEXT + Plic.CONTEXT_STRIDE * c.ctx() + 4, 4, c.source());
      if (c.source() != 0 && m.enabled[c.ctx()][c.source()]) {
        m.inFlight[c.source()] = false;
        m.pending[c.source()] = m.level[c.source()];
      }
    }
  }

  private static void claim(Plic plic, Model m, int ctx) {
    int want = m.expectedClaim(ctx);
    int got = (int) plic.read(Plic.CONTEXT + Plic.CONTEXT_STRIDE * ctx + 4, 4);
    Statistics.label("claim").collect(got == 0 ? "nothing" : "a source");
    assertWithMessage("claim by context %s", ctx).that(got).isEqualTo(want);
    if (want != 0) {
      m.pending[want] = false;
      m.inFlight[want] = true;
    }
  }

  @Provide
  Arbitrary<List<Integer>> priorities() {
    return Arbitraries.integers().between(0, 7).list().ofSize(SOURCES);
  }

  @Provide
  Arbitrary<List<Action>> scripts() {
    Arbitrary<Integer> line = Arbitraries.integers().between(1, SOURCES - 1);
    Arbitrary<Integer> source = Arbitraries.integers().between(0, SOURCES - 1);
    Arbitrary<Integer> ctx = Arbitraries.integers().between(0, CONTEXTS - 1);
    Arbitrary<Integer> value = Arbitraries.integers().between(0, 9); // 8 and 9: WARL
    Arbitrary<Boolean> bool = Arbitraries.of(true, false);
    Arbitrary<Integer> word = Arbitraries.integers().between(0, (SOURCES - 1) / 32);
    Arbitrary<Integer> bits = Arbitraries.integers().withDistribution(RandomDistribution.uniform());
    Arbitrary<Action> action =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Combinators.combine(line, bool).as(Line::new)),
            net.jqwik.api.Tuple.of(2, Combinators.combine(source, value).as(Priority::new)),
            net.jqwik.api.Tuple.of(2, Combinators.combine(ctx, word, bits).as(Enable::new)),
            net.jqwik.api.Tuple.of(1, Combinators.combine(ctx, value).as(Threshold::new)),
            net.jqwik.api.Tuple.of(3, ctx.map(Claim::new)),
            net.jqwik.api.Tuple.of(3, Combinators.combine(ctx, source).as(Complete::new)));
    return action.list().ofMinSize(10).ofMaxSize(150);
  }
}
