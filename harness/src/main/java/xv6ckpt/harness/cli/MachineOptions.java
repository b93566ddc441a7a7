package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.FileBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.BuiltinImage;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;

/**
 * Options shared by {@code boot} and {@code run}: the disk image and the machine's parameters.
 * {@code --fs IMAGE} is used in place, like a disk; without it a fresh copy of the built-in image
 * (resource {@code /xv6ckpt/kernel/fs.img}, made by the build from the project's user-land, see
 * {@link BuiltinImage}) is used and thrown away.
 */
final class MachineOptions {
  @Option(
      names = "--fs",
      paramLabel = "IMAGE",
      description = "xv6 file-system image, used in place (default: a copy of the built-in one).")
  Path fs;

  @Option(
      names = "--kernel",
      paramLabel = "ELF",
      description = {
        "Boot this C kernel ELF (e.g. xv6-riscv's kernel/kernel) on the full-system machine",
        "instead of the Java kernel; --fs is then copied into memory and never written."
      })
  Path kernel;

  @Option(
      names = "--harts",
      paramLabel = "N",
      defaultValue = "1",
      description = "Harts of the full-system machine, 1 to 8 (with --kernel; default 1).")
  int harts;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Vary each quantum's length pseudo-randomly from this seed (0: fixed).")
  long seed;

  /** The Java kernel's scheduling quantum and the full-system machine's mean hart turn. */
  static final long JAVA_QUANTUM = 100_000, HART_QUANTUM = 10_000;

  @Option(
      names = "--quantum",
      paramLabel = "N",
      description = {
        "Instructions a process runs before it must yield (default: " + JAVA_QUANTUM + ").",
        "With --kernel: the mean number of steps a hart runs before the next hart's turn",
        "(default: " + HART_QUANTUM + "; each turn's length is varied from --seed)."
      })
  Long quantum;

  @Option(
      names = "--fs-out",
      paramLabel = "FILE",
      description = {
        "With --kernel: when the session or run ends, write the machine's disk to FILE",
        "(e.g. to check it with fsck); --fs itself is never written."
      })
  Path fsOut;

  @Option(
      names = "--ram",
      paramLabel = "MIB",
      defaultValue = "128",
      description = "Emulated RAM in MiB (default: ${DEFAULT-VALUE}, xv6's PHYSTOP).")
  int ramMiB;

  Machine.Config config() {
    if (harts != 1) {
      throw CliError.badInput("--harts needs --kernel (the Java kernel has one hart)");
    }
    if (fsOut != null) {
      throw CliError.badInput("--fs-out needs --kernel (without it --fs is used in place)");
    }
    long quantum = this.quantum == null ? JAVA_QUANTUM : this.quantum;
    if (ramMiB < 1 || ramMiB > 1024) {
      throw CliError.badInput("--ram must be between 1 and 1024 MiB, not " + ramMiB);
    }
    if (quantum < 1) {
      throw CliError.badInput("--quantum must be at least 1, not " + quantum);
    }
    try {
      return Machine.Config.defaults()
          .withRam((long) ramMiB << 20)
          .withQuantum(quantum)
          .withSeed(seed);
    } catch (IllegalArgumentException e) {
      throw CliError.badInput(e.getMessage());
    }
  }

  /** The C kernel of {@code --kernel} on the full-system machine, over a copy of --fs. */
  FullSystem fullSystem() {
    if (ramMiB < 1 || ramMiB > 1024) {
      throw CliError.badInput("--ram must be between 1 and 1024 MiB, not " + ramMiB);
    }
    long q = quantum == null ? HART_QUANTUM : quantum;
    if (q < 2) {
      throw CliError.badInput("--quantum must be at least 2 steps with --kernel, not " + q);
    }
    if (fsOut != null && fs == null) {
      throw CliError.badInput("--fs-out needs --fs (without a disk there is nothing to write)");
    }
    return FullSystem.open(kernel, fs, ramMiB, harts, seed, q);
  }

  /** The disk: IMAGE opened read-write, or a copy of the built-in image in memory. */
  BlockDevice disk() {
    if (fs != null) {
      try {
        return FileBlockDevice.open(fs, FsFormat.BSIZE, false);
      } catch (NoSuchFileException e) {
        throw CliError.badInput(fs + ": no such file");
      } catch (IOException e) {
        throw CliError.badInput(fs + ": " + e.getMessage());
      }
    }
    try {
      byte[] image =
          BuiltinImage.load()
              .orElseThrow(
                  () ->
                      CliError.badInput(
                          "this build has no built-in file system image (it is made from kernel/user/bin); "
                              + "give one with --fs IMAGE"));
      return new MemoryBlockDevice(FsFormat.BSIZE, image);
    } catch (IOException e) {
      throw CliError.badInput("cannot read the built-in image: " + e.getMessage());
    }
  }
}
