package xv6ckpt.harness.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Replays corpus entries in-process: each file is run by the target its path names
 * ({@code corpus/<target>/...} or {@code corpus/findings/<target>/<id>/input}). Deterministic:
 * entries in sorted path order, one target object per target, reset before every input.
 */
public final class Replay {
  /** One replayed entry; {@code status} is the finding's ("open"/"fixed") or empty. */
  public record Entry(Path path, String target, Optional<String> status, FuzzTarget.Verdict verdict,
      byte[] input) {
    /** Whether the entry is as it should be: passes, or is an open finding that still fails. */
    public boolean ok() {
      boolean pass = verdict instanceof FuzzTarget.Verdict.Pass;
      return pass || status.equals(Optional.of("open"));
    }
  }

  private final Map<String, FuzzTarget> targets = new HashMap<>();

  /** Every file under each path (a file stands for itself), in sorted order. */
  public static List<Path> expand(List<Path> paths) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          s.filter(Files::isRegularFile).filter(Replay::isInput).sorted().forEach(out::add);
        }
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        throw new IOException(p + ": no such file or directory");
      }
    }
    return out;
  }

  /** Corpus inputs and finding inputs; not the findings' metadata and reports. */
  private static boolean isInput(Path p) {
    String name = p.getFileName().toString();
    return !name.equals("meta.cbor") && !name.endsWith(".md") && !name.startsWith(".");
  }

  /** The target a corpus path belongs to: the folder after "corpus" (or after "findings"). */
  public static Optional<String> targetOf(Path p) {
    List<String> parts = new ArrayList<>();
    for (Path part : p.toAbsolutePath().normalize()) {
      parts.add(part.toString());
    }
    for (int i = parts.size() - 2; i >= 0; i--) {
      String name = parts.get(i);
      if (name.equals("findings") && i + 1 < parts.size()) {
        return FuzzTargets.byName(parts.get(i + 1)).map(FuzzTargets.Entry::name);
      }
      if (FuzzTargets.byName(name).isPresent()) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  public Entry run(Path file) throws IOException {
    String target = targetOf(file).orElseThrow(() -> new IOException(file
        + ": not under a target's folder (" + String.join(", ", FuzzTargets.names()) + ")"));
    byte[] input = Files.readAllBytes(file);
    Optional<String> status = Optional.empty();
    Path meta = file.resolveSibling("meta.cbor");
    if (file.getFileName().toString().equals("input") && Files.exists(meta)) {
      status = Optional.of(Findings.readMeta(meta).status());
    }
    FuzzTarget t = targets.computeIfAbsent(target,
        n -> FuzzTargets.byName(n).orElseThrow().factory().get());
    return new Entry(file, target, status, t.run(input), input);
  }
}
