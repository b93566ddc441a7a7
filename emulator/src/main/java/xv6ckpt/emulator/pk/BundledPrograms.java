package xv6ckpt.emulator.pk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The RISC-V programs built from {@code emulator/programs/} and shipped inside the jar: a demo and
 * the three benchmark workloads. Their sources and Makefile sit in that folder; CI rebuilds them
 * and fails if the committed binaries differ.
 */
public final class BundledPrograms {
  /** Every bundled program, by name. */
  public static final List<String> NAMES = List.of("demo", "bench_alu", "bench_sort", "bench_crc");

  /** The benchmarks that also ship as a Linux-ABI twin ({@link #linuxTwin}). */
  public static final List<String> TWINS = List.of("bench_alu", "bench_sort", "bench_crc");

  private BundledPrograms() {}

  /** The ELF bytes of program {@code name}, or empty if there is no such program. */
  public static Optional<byte[]> load(String name) {
    return NAMES.contains(name) ? Optional.of(resource(name + ".elf")) : Optional.empty();
  }

  /**
   * The same program built for Linux (system calls write 64 and exit 93, argc and argv on the
   * stack), to run under {@code qemu-riscv64} beside ours; empty if {@code name} has no twin. It
   * executes the same instructions as {@link #load}'s but for the two at its entry that fetch argc
   * and argv.
   */
  public static Optional<byte[]> linuxTwin(String name) {
    return TWINS.contains(name) ? Optional.of(resource(name + ".linux.elf")) : Optional.empty();
  }

  private static byte[] resource(String file) {
    String resource = "/xv6ckpt/emulator/programs/" + file;
    try (InputStream in = BundledPrograms.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("bundled program missing from the build: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
