package xv6ckpt.harness.fuzz;

import java.util.function.Function;
import java.util.function.Supplier;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * A C kernel as the fuzz targets that run one set it up: on the full-system machine with xv6's 128
 * MiB of RAM and a 10,000-step hart quantum, its identity taken from the ELF's bytes, and its guest
 * coverage ready to attach.
 */
record ElfTargetKernel(ElfKernel kernel, GuestCoverage coverage) {
  /** RAM of the machine: xv6's PHYSTOP - KERNBASE. */
  static final long RAM = 128L << 20;

  /**
   * The table entry of a target for a C kernel: the Java target's entry {@code java} with {@code
   * open} as its factory, the whole harness instrumented (the guest's edges reach libFuzzer as
   * value profiles, {@link SyscallArgsElfTarget#fuzzerOptions}), and its own describe/expected.
   */
  static FuzzTargets.Entry entry(
      FuzzTargets.Entry java,
      Supplier<FuzzTarget> open,
      Function<byte[], String> describe,
      Function<byte[], String> expected) {
    return new FuzzTargets.Entry(
        java.name(),
        open,
        java.jazzerClass(),
        "xv6ckpt.harness.**",
        SyscallArgsElfTarget.fuzzerOptions(java.fuzzerOptions()),
        describe,
        expected,
        java.junitClass(),
        java.junitMethod());
  }

  /**
   * Loads {@code elf} over {@code disk}; an ELF the machine cannot load is a setup failure
   * (IllegalStateException naming {@code path}), not a finding.
   */
  static ElfTargetKernel open(String path, byte[] elf, MemoryBlockDevice disk, int harts) {
    try {
      ElfKernel k =
          new ElfKernel(
              KernelIdentity.ofElf(path, elf),
              elf,
              disk,
              new SystemMachine.Config(RAM, harts, 0, 10_000));
      return new ElfTargetKernel(k, GuestCoverage.forKernel(elf));
    } catch (Elf64.ElfException e) {
      throw new IllegalStateException(path + ": " + e.getMessage(), e);
    }
  }
}
