package xv6ckpt.harness.fuzz;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The findings store: {@code corpus/findings/<target>/<id>/} holds {@code input} (the minimized
 * bytes), {@code meta.cbor} (a {@link Meta} record in CBOR) and {@code report.md}. The id is the
 * stack hash, so one folder per distinct failure; a new input with a known hash adds nothing.
 */
public final class Findings {
  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

  /** A finding's metadata. {@code status}: "open" until the bug is fixed, then "fixed". */
  public record Meta(String target, String firstSeen, long seed, String stackHash, String status,
      String summary) {}

  /** A stored finding. */
  public record Stored(Path dir, Meta meta, byte[] input) {}

  private final Path root;

  public Findings(Path corpus) {
    this.root = corpus.resolve("findings");
  }

  /**
   * The stack hash of a failure: the rule and the detail with every number replaced by '#'
   * (so two inputs breaking the same rule in the same way, with other sizes or pids, group
   * together), and, when a Java stack exists, its first five frames.
   */
  public static String stackHash(FuzzTarget.Verdict.Fail f) {
    StringBuilder key = new StringBuilder(f.rule()).append('|')
        .append(f.detail().replaceAll("(0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*", "#"));
    f.stack().lines().filter(l -> l.trim().startsWith("at ")).limit(5)
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
      for (Path meta : s.filter(p -> p.getFileName().toString().equals("meta.cbor")).sorted()
          .toList()) {
        Path dir = meta.getParent();
        out.add(new Stored(dir, CBOR.readValue(meta.toFile(), Meta.class),
            Files.readAllBytes(dir.resolve("input"))));
      }
    }
    return out;
  }

  public boolean known(String target, String stackHash) {
    return Files.isDirectory(root.resolve(target).resolve(stackHash));
  }

  /** Stores a new finding (the caller checked it is not known); returns its folder. */
  public Path add(Meta meta, byte[] input, String reportMarkdown) throws IOException {
    Path dir = root.resolve(meta.target()).resolve(meta.stackHash());
    Files.createDirectories(dir);
    Files.write(dir.resolve("input"), input);
    CBOR.writeValue(dir.resolve("meta.cbor").toFile(), meta);
    Files.writeString(dir.resolve("report.md"), reportMarkdown);
    return dir;
  }

  public static Meta readMeta(Path metaFile) throws IOException {
    return CBOR.readValue(metaFile.toFile(), Meta.class);
  }
}
