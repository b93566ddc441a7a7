package xv6ckpt.harness.campaign;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * The findings store: {@code corpus/findings/<target>/<id>/} holds {@code input} (the minimized
 * bytes), {@code meta.cbor} (a {@link Meta} record in CBOR) and {@code report.md}. The id is the
 * stack hash, so one folder per distinct failure; a new input with a known hash adds nothing.
 */
public final class Findings {
  /** Records by their components only: no {@code isJava()}-style getters in the stored form. */
  private static final ObjectMapper CBOR =
      CBORMapper.builder().disable(MapperFeature.AUTO_DETECT_IS_GETTERS).build();

  /** Status of a finding whose bug is not fixed: its replay fails, and CI with it. */
  public static final String OPEN = "open";

  /** Status of a finding whose bug is fixed: its replay must pass, or it regressed. */
  public static final String FIXED = "fixed";

  /**
   * A finding's metadata. {@code status}: {@link #OPEN} until fixed, then {@link #FIXED}; {@code
   * kernel}: the kernel it was found on (the Java kernel when a stored finding predates the field).
   */
  public record Meta(
      String target,
      String firstSeen,
      long seed,
      String stackHash,
      String status,
      String summary,
      KernelIdentity kernel) {
    public Meta {
      kernel = kernel == null ? KernelIdentity.JAVA : kernel;
    }

    /** A finding on the Java kernel. */
    public Meta(
        String target,
        String firstSeen,
        long seed,
        String stackHash,
        String status,
        String summary) {
      this(target, firstSeen, seed, stackHash, status, summary, KernelIdentity.JAVA);
    }

    /**
     * The finding's folder name: its stack hash, and for a C kernel the first 12 hex digits of the
     * ELF's SHA-256 after it, so the same failure on two kernels is two findings.
     */
    public String id() {
      return Findings.id(stackHash, kernel);
    }
  }

  /** The folder name of a failure with stackHash on kernel k (see {@link Meta#id}). */
  public static String id(String stackHash, KernelIdentity k) {
    return k.isJava() ? stackHash : stackHash + "-" + k.sha256().substring(0, 12);
  }

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

  public boolean known(String target, String id) {
    return Files.isDirectory(dir(target, id));
  }

  /** Where a finding of target with that id ({@link Meta#id}) is (or would be) stored. */
  public Path dir(String target, String id) {
    return root.resolve(target).resolve(id);
  }

  /** The stored metadata of a finding, if it is known. */
  public Optional<Meta> meta(String target, String id) throws IOException {
    Path meta = dir(target, id).resolve("meta.cbor");
    return Files.isRegularFile(meta) ? Optional.of(readMeta(meta)) : Optional.empty();
  }

  /** Stores a new finding (the caller checked it is not known); returns its folder. */
  public Path add(Meta meta, byte[] input, String reportMarkdown) throws IOException {
    Path dir = dir(meta.target(), meta.id());
    Files.createDirectories(dir);
    Files.write(dir.resolve("input"), input);
    writeMeta(dir.resolve("meta.cbor"), meta);
    Files.writeString(dir.resolve("report.md"), reportMarkdown);
    return dir;
  }

  /** Writes m as a finding folder's meta.cbor. */
  static void writeMeta(Path metaFile, Meta m) throws IOException {
    CBOR.writeValue(metaFile.toFile(), m);
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
        new Meta(
            m.target(), m.firstSeen(), m.seed(), m.stackHash(), status, m.summary(), m.kernel());
    writeMeta(file, changed);
    return changed;
  }
}
