package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ClusterFuzzLite build (.clusterfuzzlite/) without Docker: its packaging step, package.sh,
 * turns this module's build (the class path Maven's test phase has; build.sh's Maven step would be
 * Maven inside Maven) into OSS-Fuzz's JVM layout in a temporary $OUT, and each launcher it writes
 * starts its target on a corpus entry. No native jazzer_driver exists here, so package.sh writes
 * its stand-in over Jazzer's standalone jar, as it does for any build outside OSS-Fuzz's image.
 *
 * <p>The launchers run with {@code --nohooks} added (no instrumentation): Jazzer's hooks cost about
 * 6 s of CPU per JVM, which four launchers on a shared 2-core machine cannot afford in a unit test;
 * what is checked here is the layout (class path, target class, driver, corpus), and CI's fuzzing
 * smoke runs the same targets instrumented.
 */
class ClusterFuzzLiteTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir static Path out;
  private static String packageLog;

  private static String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }

  /** The jar of the fuzz class path (Maven's resolution) whose file name starts with prefix. */
  private static String jar(String prefix) throws IOException {
    return Arrays.stream(read(Path.of("target", "fuzz-classpath.txt")).split(File.pathSeparator))
        .filter(p -> Path.of(p).getFileName().toString().startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + "* in fuzz-classpath.txt"));
  }

  @BeforeAll
  static void packageTheFuzzers() throws Exception {
    String cp =
        Path.of("target", "classes").toAbsolutePath()
            + File.pathSeparator
            + read(Path.of("target", "runtime-classpath.txt"));
    ProcessBuilder pb =
        new ProcessBuilder("bash", REPO.resolve(".clusterfuzzlite/package.sh").toString())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("OUT", out.toString());
    env.put("PROJECT_CLASSPATH", cp);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("JAZZER_JAR", jar("jazzer-0"));
    env.put("JAZZER_API_PATH", jar("jazzer-api-"));
    Process p = pb.start();
    packageLog = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isEqualTo(0);
  }

  @Test
  void everyTargetHasALauncherInOssFuzzsJvmShape() throws IOException {
    for (FuzzTargets.Entry e : FuzzTargets.ALL) {
      Path launcher = out.resolve(e.name());
      assertThat(Files.isExecutable(launcher)).isTrue();
      String text = Files.readString(launcher);
      assertThat(text).startsWith("#!/bin/bash\n# LLVMFuzzerTestOneInput");
      assertThat(text).contains("\"$this_dir/jazzer_driver\" --agent_path=");
      assertThat(text).contains("'--target_class=" + e.jazzerClass().getName() + "'");
      assertThat(text).contains("'--instrumentation_includes=" + FuzzTargetTable.includes(e) + "'");
      assertThat(text).contains("LD_LIBRARY_PATH=");
      assertThat(text.trim()).endsWith("\"$@\"");
      // Every class path entry is a jar in $OUT itself (the runtime has nothing else).
      String cp = text.substring(text.indexOf("--cp=\"") + 6);
      cp = cp.substring(0, cp.indexOf('"'));
      for (String entry : cp.split(":")) {
        assertThat(entry).startsWith("$this_dir/");
        assertThat(Files.isRegularFile(out.resolve(entry.substring("$this_dir/".length()))))
            .isTrue();
      }
    }
    assertThat(packageLog).contains("wrote a stand-in");
  }

  @Test
  void seedCorporaHoldTheCommittedCorpus() throws IOException {
    for (FuzzTargets.Entry e : FuzzTargets.ALL) {
      List<String> want;
      try (Stream<Path> s = Files.list(REPO.resolve("corpus").resolve(e.name()))) {
        want =
            s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
      }
      List<String> got = new ArrayList<>();
      try (ZipFile z = new ZipFile(out.resolve(e.name() + "_seed_corpus.zip").toFile())) {
        z.stream().forEach(x -> got.add(x.getName()));
      }
      assertThat(got).containsExactlyElementsIn(want).inOrder();
    }
  }

  @Test
  void eachLauncherRunsItsTargetOnACorpusEntry() throws Exception {
    for (FuzzTargets.Entry e : FuzzTargets.ALL) {
      Path input;
      try (Stream<Path> s = Files.list(REPO.resolve("corpus").resolve(e.name()))) {
        input = s.filter(Files::isRegularFile).sorted().findFirst().orElseThrow();
      }
      Process p =
          new ProcessBuilder(
                  out.resolve(e.name()).toString(), "--nohooks", "-runs=1", input.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(0);
      assertThat(log).contains("Running: " + input);
      assertThat(log).contains("Executed " + input);
    }
  }
}
