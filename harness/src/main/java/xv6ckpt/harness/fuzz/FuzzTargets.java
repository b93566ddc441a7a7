package xv6ckpt.harness.fuzz;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The fuzz targets by name, with the Jazzer entry class of each (what the standalone driver's
 * {@code --target_class} names) and the JUnit {@code @FuzzTest} that replays its corpus.
 */
public final class FuzzTargets {
  private FuzzTargets() {}

  /** A target's name, how to make one, and where Jazzer enters it. */
  public record Entry(String name, Supplier<FuzzTarget> factory, String jazzerClass,
      String junitClass, String junitMethod) {}

  public static final List<Entry> ALL = List.of(
      new Entry("fs-image", FsImageTarget::new, FsImageFuzzer.class.getName(),
          "xv6ckpt.harness.fuzz.FsImageFuzzTest", "fsImage"),
      new Entry("syscall-args", SyscallArgsTarget::new, SyscallArgsFuzzer.class.getName(),
          "xv6ckpt.harness.fuzz.SyscallArgsFuzzTest", "syscallArgs"),
      new Entry("restore-image", RestoreImageTarget::new, RestoreImageFuzzer.class.getName(),
          "xv6ckpt.harness.fuzz.RestoreImageFuzzTest", "restoreImage"),
      new Entry("decoder-differential", DecoderDifferentialTarget::new,
          DecoderDifferentialFuzzer.class.getName(),
          "xv6ckpt.harness.fuzz.DecoderDifferentialFuzzTest", "decoderDifferential"));

  public static Optional<Entry> byName(String name) {
    return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return ALL.stream().map(Entry::name).toList();
  }
}
