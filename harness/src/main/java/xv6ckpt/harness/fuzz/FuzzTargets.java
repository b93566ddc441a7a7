package xv6ckpt.harness.fuzz;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * The fuzz targets: each target's class owns its {@link Entry} (how to make one, where Jazzer
 * enters it, what Jazzer instruments, its libFuzzer options, how its inputs read to people), and
 * this list names the classes. The campaign machinery ({@code xv6ckpt.harness.campaign}) and the
 * scripts ({@link FuzzTargetTable}) learn every target from here.
 */
public final class FuzzTargets {
  private FuzzTargets() {}

  /**
   * A target as everything outside its JVM sees it. {@code name}: as the corpus and the command
   * line spell it; {@code jazzerClass}: what the standalone driver's {@code --target_class} names;
   * {@code instrument}: the driver's {@code --instrumentation_includes} globs (':'-separated), or
   * "" for Jazzer's default of every class on the class path; {@code fuzzerOptions}: libFuzzer
   * flags a campaign adds; {@code describe}: an input decoded for people, by the target's own
   * decoding; {@code expected}: what the oracle expects of an input, for a bug report; {@code
   * junitClass} and {@code junitMethod}: the {@code @FuzzTest} that replays the corpus in {@code
   * mvn test} (a name, because it is a test-scope class; a test checks that it resolves); {@code
   * kernel}: the kernel its inputs run on, and {@code kernelFlags}: the command-line flags that
   * point {@code replay} at that kernel (none for the Java kernel), so a bug report's reproduce
   * command and a finding name the kernel it was found on.
   */
  public record Entry(
      String name,
      Supplier<FuzzTarget> factory,
      Class<?> jazzerClass,
      String instrument,
      List<String> fuzzerOptions,
      Function<byte[], String> describe,
      Function<byte[], String> expected,
      String junitClass,
      String junitMethod,
      KernelIdentity kernel,
      List<String> kernelFlags) {
    public Entry {
      fuzzerOptions = List.copyOf(fuzzerOptions);
      kernelFlags = List.copyOf(kernelFlags);
    }

    /** A target whose inputs run on the Java kernel. */
    public Entry(
        String name,
        Supplier<FuzzTarget> factory,
        Class<?> jazzerClass,
        String instrument,
        List<String> fuzzerOptions,
        Function<byte[], String> describe,
        Function<byte[], String> expected,
        String junitClass,
        String junitMethod) {
      this(
          name,
          factory,
          jazzerClass,
          instrument,
          fuzzerOptions,
          describe,
          expected,
          junitClass,
          junitMethod,
          KernelIdentity.JAVA,
          List.of());
    }

    /** This entry with its inputs run on {@code k}, which {@code flags} name on a command line. */
    public Entry on(KernelIdentity k, List<String> flags) {
      return new Entry(
          name,
          factory,
          jazzerClass,
          instrument,
          fuzzerOptions,
          describe,
          expected,
          junitClass,
          junitMethod,
          k,
          flags);
    }

    /** The oracle every target shares, for the bug reports of a target that says no more. */
    public static Function<byte[], String> commonExpectation(String name) {
      return input ->
          "the oracle of "
              + name
              + " holds (no Java exception, no panic where "
              + "none is allowed, clean fsck, no leaked page, isolation).";
    }
  }

  /** Every class on the class path: the emulator, the spec, the kernel and the harness. */
  static final String ALL_CLASSES = "";

  /**
   * Every target. Listing a target initialises its class, so a target's static initialisation must
   * not use this class (only {@link Entry}, a class of its own): Jazzer's driver initialises the
   * target first, and a circle would leave its entry null here.
   */
  public static final List<Entry> ALL =
      List.of(
          FsImageTarget.ENTRY,
          SyscallArgsTarget.ENTRY,
          RestoreImageTarget.ENTRY,
          DecoderDifferentialTarget.ENTRY,
          CheckpointWriterTarget.ENTRY,
          KernelDifferentialTarget.ENTRY,
          IsolationTarget.ENTRY);

  public static Optional<Entry> byName(String name) {
    return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return ALL.stream().map(Entry::name).toList();
  }
}
