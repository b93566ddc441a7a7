package xv6ckpt.harness.campaign;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import xv6ckpt.harness.fuzz.FuzzTarget;

/**
 * The findings store: {@code corpus/findings/<target>/<id>/} holds {@code input} (the minimized
 * bytes), {@code meta.cbor} (a {@link Meta} record in CBOR) and {@code report.md}. The id is the
 * stack hash, so one folder per distinct failure; a new input with a known hash adds nothing.
 */
public final class Findings {
  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

  /** Status of a finding whose bug is not fixed: its replay fails, and CI with it. */
  public static final String OPEN = "open";

  /** Status of a finding whose bug is fixed: its replay must pass, or it regressed. */
  public static final String FIXED = "fixed";

  /** A finding's metadata. {@code status}: {@link #OPEN} until fixed, then {@link #FIXED}. */
  public record Meta(
      String target,
      String firstSeen,
      long seed,
      String stackHash,
      String status,
      String summary) {}

  /** A stored finding. */
  public record Stored(Path dir, Meta meta, byte[] input) {}

  private final Path root;

  public Findings(Path corpus) {
    this.root = corpus.resolve("findings");
  }

  /**
   * The stack hash of a failure: the rule and the detail with every number replaced by '#' (so two
   * inputs breaking the same rule in the same way, with other sizes or pids, group together), and,
   * when a Java stack exists, its first five frames.
   */
  public static String stackHash(FuzzTarget.Verdict.Fail f) {
    StringBuilder key =
        new StringBuilder(f.rule())
            .append('|')
            .append(f.detail().replaceAll("(0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*", "#"));
    f.stack()
        .lines()
        .filter(l -> l.trim().startsWith("at "))
        .limit(5)
        .forEach(l -> key.append('|').append(l.trim()));
    long h = 0xcbf29ce484222325L;
    for (char c : key.toString().toCharArray()) {
      h = (h ^ c) * 0x100000001b3L;
    }
    return String.format(Locale.ROOT, "%016x", h);
  }

  public List<Stored> all() throws IOException {
    List<Stored> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root, 3)) {
      for (Path meta :
          s.filter(p -> p.getFileName().toString().equals("meta.cbor")).sorted().toList()) {
        Path dir = meta.getParent();
        out.add(
            new Stored(
                dir,
                CBOR.readValue(meta.toFile(), Meta.class),
                Files.readAllBytes(dir.resolve("input"))));
      }
    }
    return out;
  }

  public boolean known(String target, String stackHash) {
    return Files.isDirectory(dir(target, stackHash));
  }

  /** Where a finding of target with that stack hash is (or would be) stored. */
  public Path dir(String target, String stackHash) {
    return root.resolve(target).resolve(stackHash);
  }

  /** The stored metadata of a finding, if it is known. */
  public Optional<Meta> meta(String target, String stackHash) throws IOException {
    Path meta = dir(target, stackHash).resolve("meta.cbor");
    return Files.isRegularFile(meta) ? Optional.of(readMeta(meta)) : Optional.empty();
  }

  /** Stores a new finding (the caller checked it is not known); returns its folder. */
  public Path add(Meta meta, byte[] input, String reportMarkdown) throws IOException {
    Path dir = dir(meta.target(), meta.stackHash());
    Files.createDirectories(dir);
    Files.write(dir.resolve("input"), input);
    CBOR.writeValue(dir.resolve("meta.cbor").toFile(), meta);
    Files.writeString(dir.resolve("report.md"), reportMarkdown);
    return dir;
  }

  public static Meta readMeta(Path metaFile) throws IOException {
    return CBOR.readValue(metaFile.toFile(), Meta.class);
  }

  /** Rewrites the status in a finding folder's meta.cbor (e.g. to {@link #FIXED}). */
  public static Meta setStatus(Path findingDir, String status) throws IOException {
    if (!status.equals(OPEN) && !status.equals(FIXED)) {
      throw new IllegalArgumentException("a finding's status is open or fixed, not " + status);
    }
    Path file = findingDir.resolve("meta.cbor");
    Meta m = readMeta(file);
    Meta changed =
        new Meta(m.target(), m.firstSeen(), m.seed(), m.stackHash(), status, m.summary());
    CBOR.writeValue(file.toFile(), changed);
    return changed;
  }
}
