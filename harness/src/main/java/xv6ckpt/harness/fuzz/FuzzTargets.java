package xv6ckpt.harness.fuzz;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The fuzz targets by name, with the Jazzer entry class of each (what the standalone driver's
 * {@code --target_class} names), the classes Jazzer instruments for coverage, and the JUnit
 * {@code @FuzzTest} that replays its corpus.
 */
public final class FuzzTargets {
  private FuzzTargets() {}

  /**
   * A target's name, how to make one, where Jazzer enters it, and {@code instrument}: the
   * standalone driver's {@code --instrumentation_includes} globs (':'-separated), or "" for
   * Jazzer's default of every class on the class path.
   */
  public record Entry(String name, Supplier<FuzzTarget> factory, String jazzerClass,
      String instrument, String junitClass, String junitMethod) {}

  /** Every class on the class path: the emulator, the spec, the kernel and the harness. */
  static final String ALL_CLASSES = "";

  /**
   * The kernel and the harness, not the emulator: for targets that fuzz system calls, the
   * emulator only runs the user programs that issue them, and its interpreter loop, instrumented,
   * cost most of each execution while its edges (which instructions the server happened to run)
   * say nothing about the kernel paths reached.
   */
  static final String KERNEL_AND_HARNESS = "xv6ckpt.kernel.**:xv6ckpt.harness.**";

  /**
   * What a restore image steers: the kernel's restore and image validation ({@code Checkpoint},
   * {@code CheckpointImage} and their inner classes), the spec's decoder, encoder and restore
   * model, and the harness's parsing of the structure-aware form. Not the emulator, nor the
   * kernel's reset, allocator, page tables and file system, nor the spec's value records, nor
   * the rig's page-table walk: they do the same work for every input of a size, and instrumented
   * they cost most of each execution (JIT compilation of the instrumented code included).
   */
  private static final String RESTORE_PATH = "xv6ckpt.kernel.Checkpoint*:xv6ckpt.kernel.Restore*"
      + ":xv6ckpt.specs.ImageDecoder*:xv6ckpt.specs.ImageCodec*:xv6ckpt.specs.CheckpointModel*"
      + ":xv6ckpt.harness.fuzz.RestoreImages:xv6ckpt.harness.fuzz.ByteInput";

  public static final List<Entry> ALL = List.of(
      new Entry("fs-image", FsImageTarget::new, FsImageFuzzer.class.getName(),
          ALL_CLASSES, "xv6ckpt.harness.fuzz.FsImageFuzzTest", "fsImage"),
      new Entry("syscall-args", SyscallArgsTarget::new, SyscallArgsFuzzer.class.getName(),
          KERNEL_AND_HARNESS, "xv6ckpt.harness.fuzz.SyscallArgsFuzzTest", "syscallArgs"),
      new Entry("restore-image", RestoreImageTarget::new, RestoreImageFuzzer.class.getName(),
          RESTORE_PATH + ":" + RestoreImageTarget.class.getName(),
          "xv6ckpt.harness.fuzz.RestoreImageFuzzTest", "restoreImage"),
      new Entry("decoder-differential", DecoderDifferentialTarget::new,
          DecoderDifferentialFuzzer.class.getName(),
          RESTORE_PATH + ":" + DecoderDifferentialTarget.class.getName(),
          "xv6ckpt.harness.fuzz.DecoderDifferentialFuzzTest", "decoderDifferential"));

  /**
   * libFuzzer options a campaign adds to a target's driver. syscall-args gets {@code
   * -entropic_scale_per_exec_time=1}: the entropic schedule then gives a slow seed less of the
   * mutation budget (it is still kept and mutated). Its slow seeds are fork chains that fill the
   * process table and exhaust memory in every process, tens of milliseconds each under
   * instrumentation, which the fuzzer otherwise keeps mutating: in 30 s runs back to back
   * (harness README) about 1,000 exec/s and 2,170 edges with the option, 191 exec/s and 2,122
   * edges without.
   */
  public static List<String> fuzzerOptions(String name) {
    return name.equals("syscall-args")
        ? List.of("-entropic_scale_per_exec_time=1")
        : List.of();
  }

  public static Optional<Entry> byName(String name) {
    return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return ALL.stream().map(Entry::name).toList();
  }
}
