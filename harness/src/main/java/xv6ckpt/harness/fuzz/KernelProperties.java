package xv6ckpt.harness.fuzz;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The C kernel a campaign's driver JVM was given as system properties ({@link
 * SyscallArgsElfTarget#jvmProperties}): every C-kernel target's Jazzer entry builds itself from
 * these, or falls back to its Java-kernel target when there are none.
 */
record KernelProperties(Path kernel, Path fs, int harts) {
  /** The properties' kernel, image and harts, or empty when no kernel is named. */
  static Optional<KernelProperties> get() {
    String kernel = System.getProperty(SyscallArgsElfTarget.KERNEL_PROPERTY);
    if (kernel == null) return Optional.empty();
    return Optional.of(
        new KernelProperties(
            Path.of(kernel),
            Path.of(System.getProperty(SyscallArgsElfTarget.FS_PROPERTY)),
            Integer.parseInt(System.getProperty(SyscallArgsElfTarget.HARTS_PROPERTY, "1"))));
  }
}
