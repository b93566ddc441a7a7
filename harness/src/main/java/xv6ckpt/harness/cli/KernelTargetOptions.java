package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.fuzz.IsolationTarget;
import xv6ckpt.harness.fuzz.KernelDifferentialTarget;
import xv6ckpt.harness.fuzz.RestoreImageElfTarget;
import xv6ckpt.harness.fuzz.SyscallArgsElfTarget;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * {@code --kernel ELF --fs IMAGE [--harts N]} for {@code campaign} and {@code replay}: fuzz targets
 * against a C kernel on the full-system machine. Checked as {@code boot --kernel} checks them (exit
 * 2, nothing written) before anything runs. syscall-args, restore-image, kernel-differential (the
 * Java kernel against the C kernel) and isolation run with a C kernel so far; asking for another
 * target says so and exits 2.
 */
final class KernelTargetOptions {
  @Option(
      names = "--kernel",
      paramLabel = "ELF",
      description = "Judge this C kernel ELF (with --fs) instead of the Java kernel.")
  Path kernel;

  @Option(names = "--fs", paramLabel = "IMAGE", description = "The C kernel's fs.img (copied).")
  Path fs;

  @Option(
      names = "--harts",
      paramLabel = "N",
      defaultValue = "1",
      description = "Harts of the full-system machine, 1 to 8 (with --kernel; default 1).")
  int harts = 1;

  /** The targets C kernels have so far. */
  static final List<String> AVAILABLE =
      List.of("syscall-args", "restore-image", "kernel-differential", "isolation");

  boolean active() {
    return kernel != null;
  }

  /**
   * The registry to run {@code names} with: the Java kernel's, or with --kernel the C kernel's
   * entries after the checks.
   */
  List<FuzzTargets.Entry> registry(List<String> names, List<FuzzTargets.Entry> java) {
    if (kernel == null) {
      if (fs != null || harts != 1) {
        throw CliError.badInput("--fs and --harts go with --kernel here (a C kernel's disk)");
      }
      return java;
    }
    if (fs == null) {
      throw CliError.badInput("--kernel needs --fs IMAGE (the kernel's file system)");
    }
    FullSystem.open(kernel, fs, 128, harts, 0); // the checks of boot --kernel; nothing runs
    for (String n : names) {
      if (!AVAILABLE.contains(n)) {
        throw CliError.badInput(
            "target "
                + n
                + " is not yet available for a C kernel (--kernel); available: "
                + String.join(", ", AVAILABLE));
      }
    }
    KernelIdentity id = identity();
    return names.stream().map(n -> entry(n).on(id, flags())).toList();
  }

  private FuzzTargets.Entry entry(String name) {
    return switch (name) {
      case "restore-image" -> RestoreImageElfTarget.entry(kernel, fs, harts);
      case "kernel-differential" -> KernelDifferentialTarget.entry(kernel, fs, harts);
      case "isolation" -> IsolationTarget.entry(kernel, fs, harts);
      default -> SyscallArgsElfTarget.entry(kernel, fs, harts);
    };
  }

  /** The kernel by path and the SHA-256 of its bytes, as findings record it. */
  private KernelIdentity identity() {
    try {
      return KernelIdentity.ofElf(kernel.toString(), Files.readAllBytes(kernel));
    } catch (IOException e) {
      throw CliError.badInput(kernel + ": cannot read the kernel: " + e.getMessage());
    }
  }

  /** These options as a reproduce command spells them: absolute paths, --harts when not 1. */
  List<String> flags() {
    List<String> out = new ArrayList<>();
    out.addAll(List.of("--kernel", kernel.toAbsolutePath().normalize().toString()));
    out.addAll(List.of("--fs", fs.toAbsolutePath().normalize().toString()));
    if (harts != 1) {
      out.addAll(List.of("--harts", Integer.toString(harts)));
    }
    return out;
  }

  List<String> childJvmFlags() {
    return kernel == null ? List.of() : SyscallArgsElfTarget.jvmProperties(kernel, fs, harts);
  }
}
