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

  private BundledPrograms() {}

  /** The ELF bytes of program {@code name}, or empty if there is no such program. */
  public static Optional<byte[]> load(String name) {
    if (!NAMES.contains(name)) {
      return Optional.empty();
    }
    String resource = "/xv6ckpt/emulator/programs/" + name + ".elf";
    try (InputStream in = BundledPrograms.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("bundled program missing from the build: " + resource);
      }
      return Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
