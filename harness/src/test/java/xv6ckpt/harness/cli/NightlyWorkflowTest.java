package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The nightly job (.github/workflows/nightly.yml) runs a campaign command this tool accepts,
 * merging into the corpus, on a schedule and by hand, and keeps the corpus and the report.
 */
class NightlyWorkflowTest {
  private static final Path WORKFLOW =
      Path.of("..", ".github", "workflows", "nightly.yml").toAbsolutePath().normalize();

  /** The workflow's `./xv6ckpt campaign ...` command, continuation lines joined. */
  private static List<String> campaignCommand(String yaml) {
    String joined = yaml.replace("\\\n", " ");
    String line =
        joined
            .lines()
            .map(String::trim)
            .filter(l -> l.startsWith("./xv6ckpt campaign"))
            .findFirst()
            .orElseThrow();
    List<String> words = new ArrayList<>(Arrays.asList(line.split("\\s+")));
    words.remove(0);
    words.replaceAll(w -> w.equals("\"$BUDGET\"") ? "2h" : w);
    return words;
  }

  @Test
  void theNightlyCampaignIsOneTheToolAcceptsAndItMergesIntoTheCorpus() throws IOException {
    String yaml = Files.readString(WORKFLOW, StandardCharsets.UTF_8);
    List<String> args = campaignCommand(yaml);
    PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
    CommandLine cmd = new CommandLine(new Main(sink, sink));
    CommandLine.ParseResult parsed = cmd.parseArgs(args.toArray(new String[0]));
    CampaignCommand c = (CampaignCommand) parsed.subcommand().commandSpec().userObject();

    assertThat(c.mergeCorpus).isTrue();
    assertThat(c.jobs).isEqualTo(2);
    assertThat(CampaignCommand.seconds(c.budget)).isAtLeast(3600);
    assertThat(yaml).contains("schedule:");
    assertThat(yaml).contains("workflow_dispatch:");
    assertThat(yaml).contains("java-version: \"17\"");
    assertThat(yaml).contains("name: corpus");
    assertThat(yaml).contains("name: report");
  }
}
