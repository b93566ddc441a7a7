package xv6ckpt.harness.fuzz;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * kernel-differential: one syscall-args input (its decoding, server and bystander) run on two
 * kernels, compared call by call. The server's calls are recorded at the architectural boundary on
 * each side ({@link KernelDifferentialTrace}): number, arguments, result and the bytes the kernel
 * wrote into its memory; then the console the server's family printed, how the run ended, and the
 * file tree and fsck's verdict after the family is gone. The differences xv6 allows are the named
 * rules of {@link KernelDifferentialRule}; any other difference is a finding naming both kernels
 * and the first differing call.
 *
 * <p>Without a C kernel both sides are the Java kernel (CI: the comparison must find nothing on the
 * corpus); with {@code --kernel} the first side is the Java kernel on a copy of the C kernel's
 * fs.img (the same files added), the second the C kernel.
 */
public final class KernelDifferentialTarget implements FuzzTarget {
  static final FuzzTargets.Entry ENTRY =
      entry(() -> new KernelDifferentialTarget(javaStage(), javaStage()), List.of());

  private static FuzzTargets.Entry entry(Supplier<FuzzTarget> factory, List<String> options) {
    return new FuzzTargets.Entry(
        "kernel-differential",
        factory,
        KernelDifferentialFuzzer.class,
        SyscallArgsTarget.KERNEL_AND_HARNESS,
        options,
        SyscallArgsTarget::describe,
        input ->
            "both kernels make the same calls with the same results and writes, print the same"
                + " console and leave the same file tree, but for the differences"
                + " KernelDifferentialRule allows.",
        "xv6ckpt.harness.fuzz.KernelDifferentialFuzzTest",
        "kernelDifferential");
  }

  /**
   * The Java kernel against the C kernel {@code kernel} over {@code fs}, with value profiles on:
   * the C kernel's edges reach libFuzzer through them ({@link GuestCoverage}), as on syscall-args.
   */
  public static FuzzTargets.Entry entry(Path kernel, Path fs, int harts) {
    return entry(
        () -> open(kernel, fs, harts),
        SyscallArgsElfTarget.fuzzerOptions(List.of("-entropic_scale_per_exec_time=1")));
  }

  static KernelDifferentialTarget open(Path kernel, Path fs, int harts) {
    KernelDifferentialElfStage elf = new KernelDifferentialElfStage(kernel, fs, harts);
    return new KernelDifferentialTarget(javaOn(fs), elf);
  }

  /** The C kernel the campaign's driver JVM was given, if any (as syscall-args reads it). */
  static Optional<FuzzTarget> fromProperties() {
    return KernelProperties.get().map(p -> open(p.kernel(), p.fs(), p.harts()));
  }

  private static KernelDifferentialStage javaStage() {
    return KernelDifferentialJavaStage.standard();
  }

  /**
   * The Java kernel over the C kernel's image with the files its side gets, and 128 MiB like it, so
   * the two start from the same disk (inode numbers, directory sizes, README).
   */
  private static KernelDifferentialStage javaOn(Path fs) {
    byte[] image;
    try {
      image = java.nio.file.Files.readAllBytes(fs);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var disk = new xv6ckpt.emulator.disk.MemoryBlockDevice(xv6ckpt.kernel.fs.FsFormat.BSIZE, image);
    SyscallArgsElfTarget.addFiles(disk);
    return new KernelDifferentialJavaStage(
        disk, SyscallArgsTarget.CONFIG.withRam(128L << 20), 0, null);
  }

  private final KernelDifferentialStage a, b;

  KernelDifferentialTarget(KernelDifferentialStage a, KernelDifferentialStage b) {
    this.a = a;
    this.b = b;
  }

  @Override
  public String name() {
    return ENTRY.name();
  }

  /**
   * Runs the input on both sides and compares; then hands the C side's kernel edges to the fuzzer
   * (before the next input's reset empties them).
   */
  @Override
  public Verdict run(byte[] input) {
    KernelDifferentialTrace ta, tb;
    try {
      ta = KernelDifferentialTrace.record(a, input);
      tb = KernelDifferentialTrace.record(b, input);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, "");
    } finally {
      for (KernelDifferentialStage s : List.of(a, b)) s.coverage().ifPresent(GuestCoverage::feed);
    }
    return compare(ta, tb);
  }

  /** From now on, keeps the C kernel functions the inputs reach (for a replay's report). */
  public void trackKernelFunctions() {
    for (KernelDifferentialStage s : List.of(a, b)) {
      s.coverage().ifPresent(c -> c.trackFunctions(true));
    }
  }

  /** The C kernel side's coverage (the first side that has one). */
  @Override
  public java.util.Optional<GuestCoverage> guestCoverage() {
    return a.coverage().isPresent() ? a.coverage() : b.coverage();
  }

  /** "KERNEL: kernel functions reached: K of N" and the names, per C kernel side. */
  public String kernelFunctionsReached() {
    StringBuilder sb = new StringBuilder();
    for (KernelDifferentialStage s : List.of(a, b)) {
      s.coverage().ifPresent(c -> sb.append(s.kernel().identity()).append(": ").append(c.report()));
    }
    return sb.toString();
  }

  /** The traces of both sides for one input (tests, tools). */
  List<KernelDifferentialTrace> traces(byte[] input) {
    return List.of(
        KernelDifferentialTrace.record(a, input), KernelDifferentialTrace.record(b, input));
  }

  // ---------------------------------------------------------------- the verdict

  static Verdict compare(KernelDifferentialTrace x, KernelDifferentialTrace y) {
    KernelDifferentialComparison.Result c = KernelDifferentialComparison.of(x, y);
    String kernels = " [a: " + x.kernel() + "; b: " + y.kernel() + "]";
    if (c.finding().isPresent()) {
      KernelDifferentialComparison.Finding f = c.finding().get();
      return new Verdict.Fail(
          f.rule(),
          f.detail() + kernels,
          "--- a ---\n" + x.console() + "\n--- b ---\n" + y.console(),
          "");
    }
    StringBuilder s = new StringBuilder();
    s.append(c.calls()).append(" calls compared in ").append(c.processes());
    s.append(c.processes() == 1 ? " process" : " processes");
    s.append("; a: ").append(x.end()).append("; b: ").append(y.end());
    if (!c.unjudged().isEmpty()) {
      s.append("; not judged (a side stopped first): ").append(String.join(", ", c.unjudged()));
    } else if (!c.toTheEnd()) {
      s.append("; console and disk not judged: leftovers outlived the cleanup budget");
    }
    if (!c.stopped().isEmpty()) {
      s.append("; ended early: ").append(String.join(", ", c.stopped()));
    }
    if (!c.allowed().isEmpty()) {
      s.append("; allowed:");
      c.allowed().forEach((r, n) -> s.append(' ').append(r.label()).append(" x").append(n));
    }
    return new Verdict.Pass(s.toString());
  }
}
