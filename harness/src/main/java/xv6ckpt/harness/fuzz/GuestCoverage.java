package xv6ckpt.harness.fuzz;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.cov.EdgeMap;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.elf.Elf64.Symbol;
import xv6ckpt.emulator.elf.Elf64.SymbolTable;
import xv6ckpt.emulator.system.SystemMachine;

/**
 * Coverage of a guest kernel, for the fuzzer and for reports (issue 13). Jazzer instruments our
 * Java classes, which says nothing about a C kernel's code; this records the kernel's own edges
 * ({@link EdgeMap}: every control transfer into its text) and hands them to Jazzer after each
 * execution, and names the kernel functions reached from its ELF symbols.
 *
 * <p>Use, by a target that runs a kernel ELF on a {@link SystemMachine}:
 *
 * <pre>{@code
 * GuestCoverage cov = GuestCoverage.forKernel(elf);   // its executable segments, its symbols
 * cov.attach(machine);                                // before the machine's snapshot
 * // each execution: machine.reset(snapshot) (empties the map), run, judge, then
 * cov.feed();                                         // the run's edges to Jazzer
 * // a campaign report:
 * cov.functionsReached()                              // names, in address order
 * }</pre>
 *
 * <p><b>How the edges reach libFuzzer.</b> Jazzer offers one public call for coverage that is not
 * its own instrumentation, {@code Jazzer.exploreState(byte state, int id)}: each distinct (id,
 * state) pair is a new feature for libFuzzer. {@link #feed} calls it once per nonzero counter, with
 * the counter's index as id and its AFL hit-count class (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+)
 * as state, so an input that takes an edge more often is new too, as libFuzzer's own counters work.
 * exploreState feeds libFuzzer's value profile, so the fuzzer must run with value profiles on:
 * {@code -use_value_profile=1} for the standalone driver, {@code -Djazzer.valueprofile=true} for a
 * {@code @FuzzTest}; without them the call does nothing (measured: see the harness README). Jazzer
 * is found by reflection, so the targets keep no compile-time dependency on it; without it (plain
 * tests, replay) {@link #feed} only counts.
 */
public final class GuestCoverage {
  /** Where features go: {@code Jazzer.exploreState} in a fuzzing JVM. */
  @FunctionalInterface
  public interface Sink {
    void feature(int edge, int hitClass);
  }

  private final EdgeMap map;
  private final SymbolTable symbols;
  private final Sink sink;
  private final long[] reached; // bit per halfword of the range: a transfer target seen
  private boolean trackFunctions;

  /** The largest range whose reached targets are tracked (a bit per halfword: 2 MiB of bits). */
  static final long MAX_TRACKED_SPAN = 32L << 20;

  GuestCoverage(long lo, long hi, int size, SymbolTable symbols, Sink sink) {
    this.map = new EdgeMap(lo, hi, size);
    this.symbols = symbols;
    this.sink = sink;
    long span = hi - lo;
    this.reached = span <= MAX_TRACKED_SPAN ? new long[(int) ((span / 2 + 63) / 64)] : null;
  }

  /**
   * Coverage of the kernel in {@code elf}: transfer targets in its executable segments (from the
   * lowest start to the highest end), its symbols for the reports, features to Jazzer if it is
   * loaded.
   */
  public static GuestCoverage forKernel(byte[] elf) throws ElfException {
    return forKernel(elf, jazzer());
  }

  public static GuestCoverage forKernel(byte[] elf, Sink sink) throws ElfException {
    Elf64.Executable exe = Elf64.parse(elf, Long.MAX_VALUE);
    long lo = Long.MAX_VALUE;
    long hi = 0;
    for (Elf64.ProgramHeader ph : exe.loadSegments()) {
      if ((ph.flags() & Elf64.PF_X) != 0 && ph.memsz() > 0) {
        lo = Math.min(lo, ph.vaddr());
        hi = Math.max(hi, ph.vend());
      }
    }
    if (hi == 0) {
      throw new ElfException("no executable (PF_X) segment to cover");
    }
    return new GuestCoverage(lo, hi, EdgeMap.DEFAULT_SIZE, Elf64.symbols(elf), sink);
  }

  /** Records this kernel's edges on every hart of {@code m}; its resets empty the map. */
  public void attach(SystemMachine m) {
    m.setCoverage(map);
  }

  public EdgeMap map() {
    return map;
  }

  /**
   * Hands the edges of the execution just run to the sink (Jazzer) and, if {@link #trackFunctions}
   * is on, adds them to the functions reached. Returns the number of features.
   */
  public int feed() {
    byte[] c = map.counters();
    int n = 0;
    for (int i = 0; i < c.length; i++) {
      if (c[i] != 0) {
        sink.feature(i, hitClass(c[i] & 0xff));
        n++;
      }
    }
    if (trackFunctions) {
      long[] targets = map.targets();
      for (long t : targets) {
        long bit = (t - map.lo()) >>> 1;
        reached[(int) (bit >>> 6)] |= 1L << bit;
      }
    }
    return n;
  }

  /** AFL's hit-count classes: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128-255 give 1..8. */
  public static int hitClass(int count) {
    if (count <= 3) {
      return count;
    }
    if (count < 8) {
      return 4;
    }
    if (count < 16) {
      return 5;
    }
    if (count < 32) {
      return 6;
    }
    return count < 128 ? 7 : 8;
  }

  /**
   * From now on, {@link #feed} also keeps which transfer targets were reached, for {@link
   * #functionsReached} (costs a set insert per transfer while on: for reports and replays, not for
   * the fuzzing loop's speed).
   */
  public void trackFunctions(boolean on) {
    if (on && reached == null) {
      throw new IllegalStateException(
          "kernel text of " + (map.hi() - map.lo()) + " bytes is too large to track targets in");
    }
    trackFunctions = on;
    map.trackTargets(on);
  }

  /**
   * The kernel functions reached since tracking began (every function holding a transfer target
   * seen), in address order, each with how many distinct targets in it were reached; targets in no
   * named function are counted under "?".
   */
  public Map<String, Integer> functionsReached() {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (reached == null) {
      return out;
    }
    int unnamed = 0;
    for (int w = 0; w < reached.length; w++) {
      for (long bits = reached[w]; bits != 0; bits &= bits - 1) {
        long pc = map.lo() + 2L * (64L * w + Long.numberOfTrailingZeros(bits));
        String name = symbols.functionAt(pc).map(Symbol::name).orElse(null);
        if (name == null) {
          unnamed++;
        } else {
          out.merge(name, 1, Integer::sum);
        }
      }
    }
    if (unnamed > 0) {
      out.put("?", unnamed);
    }
    return out;
  }

  /** Names of the functions reached, in address order (see {@link #functionsReached}). */
  public List<String> functionNamesReached() {
    List<String> names = new ArrayList<>(functionsReached().keySet());
    names.remove("?");
    return names;
  }

  /**
   * Runs {@code inputs} through {@code target} with function tracking on and returns its report
   * section ({@link #report}), or empty when the target runs no C kernel. What a campaign uses to
   * name the functions its corpus reaches: the fuzzer's own coverage is edges, which name nothing.
   */
  public static Optional<String> functionsReachedBy(FuzzTarget target, Iterable<byte[]> inputs) {
    Optional<GuestCoverage> cov = target.guestCoverage();
    if (cov.isEmpty()) {
      return Optional.empty();
    }
    cov.get().trackFunctions(true);
    for (byte[] input : inputs) {
      target.run(input);
    }
    return Optional.of(cov.get().report());
  }

  /**
   * A report section: "kernel functions reached: K of N" and the names, wrapped; N counts the ELF's
   * sized functions.
   */
  public String report() {
    List<String> names = functionNamesReached();
    // functions and code labels: what functionAt can name
    long total = symbols.all().stream().filter(y -> y.inCode() && !y.isObject()).count();
    StringBuilder sb =
        new StringBuilder("kernel functions reached: " + names.size() + " of " + total + "\n");
    int col = 0;
    for (String n : names) {
      if (col > 0 && col + n.length() > 96) {
        sb.append('\n');
        col = 0;
      }
      sb.append(col == 0 ? "  " : " ").append(n);
      col += n.length() + 1;
    }
    return sb.append(col > 0 ? "\n" : "").toString();
  }

  // ---- Jazzer, if it is on the class path

  /** {@code Jazzer.exploreState} as a sink, or a sink that does nothing without Jazzer. */
  public static Sink jazzer() {
    MethodHandle h = EXPLORE_STATE;
    if (h == null) {
      return (edge, hitClass) -> {};
    }
    return (edge, hitClass) -> {
      try {
        h.invokeExact((byte) hitClass, edge);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException("Jazzer.exploreState failed", e);
      }
    };
  }

  /** Whether Jazzer's API is on the class path (features then reach it when it fuzzes). */
  public static boolean jazzerPresent() {
    return EXPLORE_STATE != null;
  }

  private static final MethodHandle EXPLORE_STATE = findExploreState();

  private static MethodHandle findExploreState() {
    try {
      Class<?> jazzer = Class.forName("com.code_intelligence.jazzer.api.Jazzer");
      return MethodHandles.publicLookup()
          .findStatic(
              jazzer, "exploreState", MethodType.methodType(void.class, byte.class, int.class));
    } catch (ReflectiveOperationException e) {
      return null; // not fuzzing: nothing to feed
    }
  }
}
