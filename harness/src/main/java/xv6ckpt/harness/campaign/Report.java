package xv6ckpt.harness.campaign;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A campaign's report: {@code report.json} (the {@link CampaignResult}) and {@code report.html},
 * one self-contained page (uPlot's script and style inlined from its WebJar, the data inlined as
 * JSON) with, per target, executions/s and coverage over time, and a findings table.
 */
public final class Report {
  private Report() {}

  private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /**
   * A new folder name under reports for a report made at {@code now}: {@code <yyyyMMdd-HHmmss>}, or
   * with "-2", "-3", ... appended when that folder exists already (two reports in one second), so
   * that no report overwrites another.
   */
  public static Path timestampDir(Path reports, LocalDateTime now) {
    String stamp = now.format(STAMP);
    Path dir = reports.resolve(stamp);
    for (int n = 2; Files.exists(dir); n++) {
      dir = reports.resolve(stamp + "-" + n);
    }
    return dir;
  }

  public static CampaignResult read(Path json) throws IOException {
    return JSON.readValue(json.toFile(), CampaignResult.class);
  }

  /** Writes report.json and report.html into dir; returns the HTML file. */
  public static Path write(Path dir, CampaignResult r) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("report.json"), JSON.writeValueAsString(r));
    Path html = dir.resolve("report.html");
    Files.writeString(html, html(r));
    return html;
  }

  static String html(CampaignResult r) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>xv6-ckpt fuzz campaign ")
        .append(esc(r.started()))
        .append("</title><style>")
        .append(resource("uPlot.min.css"))
        .append(
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #999;padding:2px 6px}</style><script>")
        .append(resource("uPlot.iife.min.js").replace("</script", "<\\/script"))
        .append("</script></head><body><h1>Fuzz campaign ")
        .append(esc(r.started()))
        .append("</h1><p>New findings: ")
        .append(r.newFindings())
        .append(", fixed findings ")
        .append("found again: ")
        .append(r.regressions())
        .append(", targets whose driver ")
        .append("failed: ")
        .append(r.brokenTargets().isEmpty() ? "none" : esc(String.join(", ", r.brokenTargets())))
        .append("</p>");
    if (r.interrupted()) {
      b.append("<p><b>Interrupted:</b> stopped early; targets not yet started are absent.</p>");
    }
    for (CampaignResult.TargetRun t : r.targets()) {
      target(b, t);
    }
    b.append("<script>const DATA=")
        .append(JSON.writeValueAsString(r).replace("</", "<\\/"))
        .append(";\n")
        .append(PLOT)
        .append("</script></body></html>\n");
    return b.toString();
  }

  private static void target(StringBuilder b, CampaignResult.TargetRun t) {
    b.append("<h2>")
        .append(esc(t.name()))
        .append("</h2><p>")
        .append(t.seconds())
        .append(" s, ")
        .append(t.executions())
        .append(" executions, driver exit ")
        .append(t.exitCode())
        .append(t.stopped() ? " (stopped)" : "")
        .append(
            t.broken() ? " (<b>driver failed</b>, see work/" + esc(t.name()) + "/driver.log)" : "")
        .append(", corpus ")
        .append(t.corpusBefore())
        .append(" &rarr; ")
        .append(t.corpusAfter())
        .append("</p><p>Failures by category: ")
        .append(esc(CampaignResult.tally(t)))
        .append("</p><div class=\"chart\" data-target=\"")
        .append(esc(t.name()))
        .append(
            "\"></div><table><tr><th>stack hash</th><th>rule</th>"
                + "<th>new</th><th>summary</th><th>folder</th></tr>");
    for (CampaignResult.FindingRow f : t.findings()) {
      b.append("<tr><td>")
          .append(esc(f.stackHash()))
          .append("</td><td>")
          .append(esc(f.rule()))
          .append("</td><td>")
          .append(f.isNew() ? "new" : f.regressed() ? "<b>fixed, found " + "again</b>" : "known")
          .append("</td><td>")
          .append(esc(f.summary()))
          .append("</td><td>")
          .append(esc(f.dir()))
          .append("</td></tr>");
    }
    b.append("</table>");
    if (t.findings().isEmpty()) {
      b.append("<p>No findings.</p>");
    }
    if (t.kernelFunctions() != null) {
      b.append("<pre>").append(esc(t.kernelFunctions())).append("</pre>");
    }
  }

  /** Draws, per target, executions/s and coverage against elapsed seconds. */
  private static final String PLOT =
      String.join(
          "\n",
          "for (const t of DATA.targets) {",
          "  const el = document.querySelector('.chart[data-target=\"' + t.name + '\"]');",
          "  const xs = t.samples.map(s => s[0]), eps = t.samples.map(s => s[2]),",
          "        cov = t.samples.map(s => s[3]);",
          "  if (xs.length === 0) { el.textContent = 'no samples'; continue; }",
          "  new uPlot({width: 800, height: 260, title: t.name,",
          "    scales: {x: {time: false}},",
          "    series: [{label: 'seconds'}, {label: 'exec/s', stroke: 'blue', scale: 'e'},",
          "             {label: 'coverage', stroke: 'red', scale: 'c'}],",
          "    axes: [{}, {scale: 'e', label: 'exec/s'}, {scale: 'c', side: 1, label: 'coverage'}]",
          "  }, [xs, eps, cov], el);",
          "}");

  private static String resource(String name) throws IOException {
    try (InputStream in = Report.class.getClassLoader().getResourceAsStream(UPLOT + name)) {
      if (in == null) {
        throw new IOException(
            "uPlot's "
                + name
                + " is not on the class path (WebJar "
                + "org.webjars.npm:uplot:1.6.30)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
