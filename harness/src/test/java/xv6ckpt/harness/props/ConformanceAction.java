package xv6ckpt.harness.props;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * One step of a model-conformance chain. Each kind of step is a record that applies itself to the
 * model and the kernel ({@link #applyTo}), so a new kind that does not say what it does is a
 * compile error; {@link #REGISTRY} holds each kind once, with its weights and its generator, and
 * refuses (at class initialisation, loudly) a permitted kind it does not list. Ints named pick
 * choose among what the state offers when the step runs.
 */
sealed interface ConformanceAction {
  /** Applies the step to model and kernel and checks the call's result; false if not applicable. */
  boolean applyTo(ConformanceRun run);

  /** The kind's name, as the statistics label it. */
  default String kind() {
    return getClass().getSimpleName();
  }

  record ForkExit(int status) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.forkExiter(status);
    }
  }

  record ForkPark() implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.forkParked();
    }
  }

  record ForkWaiter() implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.forkWaiter();
    }
  }

  record Exit(int status) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.exit(status);
    }
  }

  record Wait() implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.waitChild();
    }
  }

  record Kill(int pick) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.kill(pick);
    }
  }

  record Open(int path, int mode, boolean create) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.open(path, mode, create);
    }
  }

  record Write(int pick, byte[] data) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.write(pick, data);
    }

    @Override
    public String toString() {
      return "Write[pick=" + pick + ", data=" + Arrays.toString(data) + "]";
    }
  }

  record Read(int pick, int n) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.read(pick, n);
    }
  }

  record Close(int pick) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.close(pick);
    }
  }

  record Checkpoint(int pick, int path) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.checkpoint(pick, path);
    }
  }

  /** A child of the driver checkpoints the driver, blocked in its console read, to a path. */
  record ChildCheckpointsDriver(int path) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.childCheckpointsDriver(path);
    }
  }

  record Restore(int pick) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.restore(pick);
    }
  }

  record Corrupt(int path, int skip, long bytes) implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      return run.corrupt(path, skip, bytes);
    }
  }

  record Reboot() implements ConformanceAction {
    @Override
    public boolean applyTo(ConformanceRun run) {
      run.reboot();
      return true;
    }
  }

  /**
   * A kind of step: its class, its weight in broad chains and in file-only chains (0 leaves it
   * out), and its generator given the arbitrary of picks.
   */
  record Kind(
      Class<? extends ConformanceAction> type,
      int broad,
      int files,
      Function<Arbitrary<Integer>, Arbitrary<? extends ConformanceAction>> generator) {
    String name() {
      return type.getSimpleName();
    }
  }

  /** Every kind of step, once, in the order the statistics list them. */
  List<Kind> REGISTRY =
      Registry.checked(
          List.of(
              new Kind(
                  ForkExit.class,
                  3,
                  0,
                  pick -> Arbitraries.integers().between(0, 255).map(ForkExit::new)),
              new Kind(ForkPark.class, 2, 0, pick -> Arbitraries.just(new ForkPark())),
              new Kind(ForkWaiter.class, 3, 0, pick -> Arbitraries.just(new ForkWaiter())),
              new Kind(
                  Exit.class, 1, 0, pick -> Arbitraries.integers().between(0, 255).map(Exit::new)),
              new Kind(Wait.class, 3, 0, pick -> Arbitraries.just(new Wait())),
              new Kind(Kill.class, 3, 0, pick -> pick.map(Kill::new)),
              new Kind(
                  Open.class,
                  4,
                  3,
                  pick ->
                      Combinators.combine(
                              Arbitraries.integers().between(0, 1),
                              Arbitraries.integers().between(0, 2),
                              Arbitraries.of(true, false))
                          .as(Open::new)),
              new Kind(
                  Write.class,
                  4,
                  4,
                  pick ->
                      Combinators.combine(
                              pick,
                              Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(24))
                          .as(Write::new)),
              new Kind(
                  Read.class,
                  3,
                  3,
                  pick ->
                      Combinators.combine(pick, Arbitraries.integers().between(0, 32))
                          .as(Read::new)),
              new Kind(Close.class, 2, 2, pick -> pick.map(Close::new)),
              new Kind(
                  Checkpoint.class,
                  5,
                  0,
                  pick ->
                      Combinators.combine(pick, Arbitraries.integers().between(0, 1))
                          .as(Checkpoint::new)),
              new Kind(
                  ChildCheckpointsDriver.class,
                  3,
                  0,
                  pick -> Arbitraries.integers().between(0, 1).map(ChildCheckpointsDriver::new)),
              new Kind(
                  Restore.class,
                  5,
                  0,
                  pick -> Arbitraries.integers().between(0, 6).map(Restore::new)),
              new Kind(
                  Corrupt.class,
                  2,
                  0,
                  pick ->
                      Combinators.combine(
                              Arbitraries.integers().between(0, 1),
                              Arbitraries.of(0, 8, 16, 64, 100, 4200),
                              Arbitraries.longs())
                          .as(Corrupt::new)),
              new Kind(Reboot.class, 1, 0, pick -> Arbitraries.just(new Reboot()))));

  /** Which weight a chain draws kinds with. */
  enum Weights {
    BROAD,
    /** Only the file calls. */
    FILES;

    int of(Kind k) {
      return this == BROAD ? k.broad() : k.files();
    }
  }

  /** Chains of min to max steps drawn with the weights (a weight 0 leaves a kind out). */
  static Arbitrary<List<ConformanceAction>> chains(Weights weights, int min, int max) {
    Arbitrary<Integer> pick = Arbitraries.integers().between(0, 15);
    List<Tuple.Tuple2<Integer, Arbitrary<? extends ConformanceAction>>> used = new ArrayList<>();
    for (Kind k : REGISTRY) {
      if (weights.of(k) > 0) {
        used.add(Tuple.of(weights.of(k), k.generator().apply(pick)));
      }
    }
    @SuppressWarnings("unchecked")
    Tuple.Tuple2<Integer, Arbitrary<? extends ConformanceAction>>[] pairs =
        used.toArray(new Tuple.Tuple2[0]);
    Arbitrary<ConformanceAction> one = Arbitraries.frequencyOf(pairs);
    return one.list().ofMinSize(min).ofMaxSize(max);
  }

  /** The registry's check, in a class because an interface cannot hold private code. */
  final class Registry {
    private Registry() {}

    /** kinds, if it lists every permitted step class exactly once; else a loud failure. */
    static List<Kind> checked(List<Kind> kinds) {
      Set<Class<?>> listed = new HashSet<>();
      for (Kind k : kinds) {
        if (!listed.add(k.type())) {
          throw new ExceptionInInitializerError(
              "ConformanceAction.REGISTRY lists " + k.name() + " twice");
        }
      }
      Set<Class<?>> permitted =
          new HashSet<>(Arrays.asList(ConformanceAction.class.getPermittedSubclasses()));
      Set<Class<?>> missing = new HashSet<>(permitted);
      missing.removeAll(listed);
      if (!missing.isEmpty()) {
        throw new ExceptionInInitializerError(
            "ConformanceAction.REGISTRY does not list "
                + missing.stream().map(Class::getSimpleName).sorted().toList()
                + ": give each kind of step its weights and its generator there");
      }
      return kinds;
    }
  }
}
