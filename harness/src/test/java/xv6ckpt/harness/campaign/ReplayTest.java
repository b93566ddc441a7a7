package xv6ckpt.harness.campaign;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.fuzz.PlantedBugTarget;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * Replay of corpus inputs and findings, on the test-only {@link PlantedBugTarget} (its buggy and
 * its fixed build): an open finding fails until fixed, with a bug report; a fixed finding that
 * passes is green, one that fails again is red; open findings that pass can be marked fixed. The
 * bug report of an image target decodes the input with the spec.
 */
class ReplayTest {
  @TempDir Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Path finding(String status) throws IOException {
    Findings store = new Findings(tmp.resolve("corpus"));
    byte[] input = "BUG".getBytes(StandardCharsets.US_ASCII);
    FuzzTarget.Verdict.Fail f =
        (FuzzTarget.Verdict.Fail) new PlantedBugTarget(PlantedBugTarget.NAME, false).run(input);
    String hash = Findings.stackHash(f);
    Path dir =
        store.add(
            new Findings.Meta(
                PlantedBugTarget.NAME, "2026-01-01T00:00:00Z", 1, hash, status, f.summary()),
            input,
            "old report\n");
    return dir.resolve("input");
  }

  private Replay.Summary replay(List<FuzzTargets.Entry> registry, boolean markFixed, Path... files)
      throws IOException {
    return new Replay(registry)
        .replayAll(
            List.of(files),
            tmp.resolve("reports"),
            markFixed,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anOpenFindingFailsAndGetsABugReport() throws IOException {
    Path input = finding(Findings.OPEN);
    Replay.Summary s = replay(PlantedBugTarget.REGISTRY, false, input);

    assertThat(s.failing()).isEqualTo(1);
    assertThat(stdout()).startsWith("OPEN planted-bug " + input + ": planted: the bytes BUG");
    Path report = input.resolveSibling("report.md");
    assertThat(s.reports()).containsExactly(report);
    String md = Files.readString(report);
    assertThat(md).contains(BugReport.REPRODUCE + "\n\n```\n./xv6ckpt replay " + input + "\n```");
    assertThat(md).contains("Actual: planted: the bytes BUG at offset 0");
    assertThat(md).contains(BugReport.INPUT + " (3 bytes)");
    assertThat(md).contains("Raw: `425547`"); // "BUG"
    assertThat(md).contains(BugReport.CONSOLE + "\n\n```\nplanted: console of the failing run\n");
    assertThat(md).contains(BugReport.STACK);
    assertThat(md.indexOf(BugReport.EXPECTED)).isGreaterThan(md.indexOf(BugReport.REPRODUCE));
  }

  private static final KernelIdentity C_KERNEL =
      KernelIdentity.ofElf("/k dir/kernel", "an ELF".getBytes(StandardCharsets.US_ASCII));

  /** The planted-bug targets as if their inputs ran on C_KERNEL. */
  private static List<FuzzTargets.Entry> onCKernel() {
    return PlantedBugTarget.REGISTRY.stream()
        .map(e -> e.on(C_KERNEL, List.of("--kernel", "/k dir/kernel", "--fs", "/k/fs.img")))
        .toList();
  }

  private Path findingOn(KernelIdentity k) throws IOException {
    Path input = finding(Findings.OPEN);
    Path dir = input.getParent();
    Findings.Meta m = Findings.readMeta(dir.resolve("meta.cbor"));
    Findings.Meta onK =
        new Findings.Meta(
            m.target(), m.firstSeen(), m.seed(), m.stackHash(), m.status(), m.summary(), k);
    Path moved = dir.resolveSibling(onK.id());
    Files.move(dir, moved);
    Findings.writeMeta(moved.resolve("meta.cbor"), onK);
    return moved.resolve("input");
  }

  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

  @Test
  void aCKernelsReportReproducesOnThatKernelAndNamesIt() throws IOException {
    Path input = findingOn(C_KERNEL);
    Replay.Summary s = replay(onCKernel(), false, input);

    assertThat(s.failing()).isEqualTo(1);
    String md = Files.readString(input.resolveSibling("report.md"));
    // The path with a space is quoted so that the command can be pasted into a shell.
    assertThat(md)
        .contains(
            "```\n./xv6ckpt replay --kernel '/k dir/kernel' --fs /k/fs.img "
                + input
                + "\n```\n\nKernel: kernel /k dir/kernel sha256 "
                + C_KERNEL.sha256());
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("was found on");
  }

  @Test
  void aFindingReplayedOnAnotherKernelSaysSo() throws IOException {
    Path onC = findingOn(C_KERNEL);
    replay(PlantedBugTarget.REGISTRY, false, onC);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(
            "replay: "
                + onC
                + " was found on kernel /k dir/kernel sha256 "
                + C_KERNEL.sha256()
                + "; replaying it on java kernel");

    err.reset();
    Path onJava = finding(Findings.OPEN);
    replay(onCKernel(), false, onJava);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("replay: " + onJava + " was found on java kernel; replaying it on kernel /k dir");
  }

  @Test
  void aStoredFindingWithoutAKernelWasFoundOnTheJavaKernel() throws IOException {
    Path input = finding(Findings.OPEN);
    Path meta = input.resolveSibling("meta.cbor");
    Map<String, Object> old = new LinkedHashMap<>();
    old.put("target", PlantedBugTarget.NAME);
    old.put("firstSeen", "2026-01-01T00:00:00Z");
    old.put("seed", 1L);
    old.put("stackHash", "0123456789abcdef");
    old.put("status", Findings.OPEN);
    old.put("summary", "s");
    Files.write(meta, CBOR.writeValueAsBytes(old));

    Findings.Meta m = Findings.readMeta(meta);
    assertThat(m.kernel()).isEqualTo(KernelIdentity.JAVA);
    assertThat(m.id()).isEqualTo("0123456789abcdef");
    replay(PlantedBugTarget.REGISTRY, false, input);
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("was found on");
  }

  @Test
  void anOpenFindingThatPassesIsFixedQuestionAndCanBeMarkedFixed() throws IOException {
    Path input = finding(Findings.OPEN);
    Replay.Summary s = replay(PlantedBugTarget.FIXED_REGISTRY, false, input);
    assertThat(s.failing()).isEqualTo(0);
    assertThat(stdout()).startsWith("FIXED? planted-bug ");
    assertThat(Findings.readMeta(input.resolveSibling("meta.cbor")).status())
        .isEqualTo(Findings.OPEN);

    Replay.Summary marked = replay(PlantedBugTarget.FIXED_REGISTRY, true, input);
    assertThat(marked.markedFixed()).containsExactly(input.getParent());
    assertThat(Findings.readMeta(input.resolveSibling("meta.cbor")).status())
        .isEqualTo(Findings.FIXED);
  }

  @Test
  void aFixedFindingThatPassesIsGreen() throws IOException {
    Path input = finding(Findings.FIXED);
    Replay.Summary s = replay(PlantedBugTarget.FIXED_REGISTRY, false, input);
    assertThat(s.failing()).isEqualTo(0);
    assertThat(s.reports()).isEmpty();
    assertThat(stdout()).startsWith("PASS planted-bug ");
  }

  @Test
  void aFixedFindingThatFailsAgainIsRed() throws IOException {
    Path input = finding(Findings.FIXED);
    Replay.Summary s = replay(PlantedBugTarget.REGISTRY, false, input);
    assertThat(s.failing()).isEqualTo(1);
    assertThat(stdout()).startsWith("FAIL planted-bug ");
    assertThat(Files.readString(input.resolveSibling("report.md")))
        .contains("# planted-bug: planted");
  }

  @Test
  void corpusInputsAreReplayedInOrderWithReportsInTheReportFolder() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("corpus").resolve(PlantedBugTarget.NAME));
    Files.writeString(dir.resolve("b-fails"), "..OOPS..");
    Files.writeString(dir.resolve("a-passes"), "fine");
    finding(Findings.OPEN);
    List<Path> files = Replay.expand(List.of(tmp.resolve("corpus")));
    // Inputs only (no meta.cbor, no report.md), sorted: the finding's input is under findings/.
    assertThat(files.stream().map(p -> tmp.resolve("corpus").relativize(p).toString()).toList())
        .containsExactly(
            "findings/planted-bug/" + files.get(0).getParent().getFileName() + "/input",
            "planted-bug/a-passes",
            "planted-bug/b-fails")
        .inOrder();

    Replay.Summary s = replay(PlantedBugTarget.REGISTRY, false, files.toArray(new Path[0]));
    assertThat(s.entries()).isEqualTo(3);
    assertThat(s.failing()).isEqualTo(2);
    assertThat(stdout().lines().map(l -> l.split(" ")[0]).toList())
        .containsExactly("OPEN", "PASS", "FAIL")
        .inOrder();
    assertThat(s.reports()).contains(tmp.resolve("reports").resolve("planted-bug-b-fails.md"));
  }

  @Test
  void aPathOutsideEveryTargetIsNamedInTheError() throws IOException {
    Path stray = Files.writeString(tmp.resolve("stray"), "x");
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class, () -> new Replay(PlantedBugTarget.REGISTRY).run(stray));
    assertThat(e).hasMessageThat().contains("stray: not under a target's folder");
  }

  @Test
  void anImageTargetsReportDecodesTheInputWithTheSpec() throws IOException {
    // The committed seed that breaks the magic rule, as a finding of restore-image would hold it.
    byte[] input = Files.readAllBytes(Path.of("..", "corpus", "restore-image", "seed-HDR_MAGIC"));
    FuzzTarget.Verdict.Fail f =
        new FuzzTarget.Verdict.Fail(
            "spec-mismatch", "expected refused HDR_MAGIC; a0 0 != -10", "restore: ...\n", "");
    String md =
        BugReport.markdown(
            FuzzTargets.byName("restore-image").orElseThrow(),
            "corpus/findings/restore-image/x/input",
            input,
            f);
    assertThat(md).contains("Expected: the spec reads the image as invalid: HDR_MAGIC");
    assertThat(md).contains("Actual: spec-mismatch: expected refused HDR_MAGIC");
    assertThat(md).contains("raw image; the kernel sees " + input.length + " bytes");
    assertThat(md).contains("spec: HDR_MAGIC (");

    byte[] structured =
        Files.readAllBytes(Path.of("..", "corpus", "decoder-differential", "seed-structured-1"));
    String md2 =
        BugReport.markdown(
            FuzzTargets.byName("decoder-differential").orElseThrow(), "p", structured, f);
    assertThat(md2).contains("structure-aware form: seed ");
    assertThat(md2).contains("spec: valid: ");
  }
}
