package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.campaign.CampaignResult;
import xv6ckpt.harness.campaign.Report;

/** {@code report}: the HTML and JSON report of a campaign. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a campaign's report: a self-contained HTML page (exec/s and coverage over",
      "time per target, findings table) and its JSON, under reports/<timestamp>/.",
      "The campaign is --from's report.json, by default the newest under reports/.",
    },
    footer = {"", "Exit status: 0 written, 2 no campaign to report on."})
final class ReportCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--from", paramLabel = "JSON", description = "A campaign's report.json.")
  Path from;

  @Option(
      names = "--reports",
      paramLabel = "DIR",
      description = "The reports folder (default: reports in the repository).")
  Path reports;

  @Override
  public Integer call() throws IOException {
    if (reports == null) {
      reports = CampaignCommand.repoRoot().resolve("reports");
    }
    Path json =
        from != null
            ? from
            : newest()
                .orElseThrow(
                    () ->
                        CliError.badInput(
                            "no campaign under " + reports + " (run 'xv6ckpt campaign' first)"));
    if (!Files.isRegularFile(json)) {
      throw CliError.badInput(json + ": no such file");
    }
    CampaignResult campaign;
    try {
      campaign = Report.read(json);
    } catch (IOException e) {
      throw CliError.badInput(json + " is not a campaign's report.json: " + e.getMessage());
    }
    Path out = Report.timestampDir(reports, LocalDateTime.now());
    Path html = Report.write(out, campaign);
    main.out.println("report: " + html);
    return Main.EXIT_OK;
  }

  private Optional<Path> newest() throws IOException {
    if (!Files.isDirectory(reports)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.walk(reports, 2)) {
      return s.filter(p -> p.getFileName().toString().equals("report.json"))
          .max(Comparator.comparing(Path::toString));
    }
  }
}
