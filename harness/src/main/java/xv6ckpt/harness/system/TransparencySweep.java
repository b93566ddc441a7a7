package xv6ckpt.harness.system;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.specs.Rule;

/**
 * Checkpoint transparency of a C kernel (issue 13, section 2: "checkpoint at instruction k, reboot,
 * restore = the uninterrupted run"). The subject {@link SweepPrograms#subject} runs under the
 * checkpointer {@code tc} once without interruption; its console lines and /tpf are the reference.
 * Then, for each chosen instant k after {@code tc} was typed, the same run from the same snapshot
 * is interrupted at k: a line typed then makes {@code tc} checkpoint the subject (wherever it is:
 * at user level, asleep, inside a call) and kill it. The disk is booted again on a fresh machine
 * and the image restored. Judged per instant:
 *
 * <ul>
 *   <li>checkpoint either succeeds, or is refused with CKPT_BUSY (the subject inside a call the
 *       kernel cannot capture), or with CKPT_ZOMBIE / CKPT_NO_PROCESS once the subject has
 *       finished; any other result is a violation;
 *   <li>the lines printed before the kill are the start of the reference's;
 *   <li>after a successful checkpoint, the restored subject prints exactly the reference's lines
 *       from some line no later than the first it had not printed before, through "tp: done" (so
 *       its registers, memory and open file came back), /tpf ends equal to the reference's, the
 *       image is valid under the spec's decoder, and fsck is clean.
 * </ul>
 */
public final class TransparencySweep {
  /** One instant: steps after {@code tc} was typed, the checkpoint's result, what went wrong. */
  public record Point(long at, int checkpoint, String summary, List<String> violations) {}

  /** A sweep: the reference run's length in steps, the instants judged, every violation. */
  public record Result(long steps, List<Point> points, List<String> violations) {
    public boolean clean() {
      return violations.isEmpty();
    }
  }

  private final String name;
  private final byte[] elf;
  private final SystemMachine.Config config;

  /** Decoded and translated code, shared by the sweep's machines (they boot the same kernel). */
  private final DecodeCache codeCache = new DecodeCache();

  private final IntConsumer progress;

  public TransparencySweep(String name, byte[] elf, int harts, IntConsumer progress) {
    this.name = name;
    this.elf = elf.clone();
    this.config = new SystemMachine.Config(128L << 20, harts, 0, 10_000);
    this.progress = progress;
  }

  /** Runs the sweep over a copy of {@code fsImage} with {@code points} instants. */
  public Result run(byte[] fsImage, int points) {
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, fsImage.clone());
    addPrograms(disk);
    BootedKernel r = new BootedKernel(name, elf, config, codeCache, disk);
    long firstRequest = r.bootToPrompt();
    long consoleInum = Sweeps.inum(disk, "/console");
    BootedKernel.Parked reboot =
        new BootedKernel.Parked(
            name,
            elf,
            config,
            codeCache,
            new MemoryBlockDevice(FsFormat.BSIZE, disk.contents()),
            firstRequest);
    SystemMachine.Snapshot prompt = r.machine.snapshot();
    disk.snapshot();
    int mark = r.console().length();
    long start = r.machine.time();
    r.type("tc");
    r.runUntil(
        () -> r.console().substring(mark).contains(SweepPrograms.SUBJECT_DONE + "\n"),
        "the uninterrupted run of tp under tc");
    long steps = r.machine.time() - start;
    List<String> reference = subjectLines(r.console().substring(mark));
    byte[] file = Sweeps.readFile(disk, SweepPrograms.SUBJECT_FILE).orElse(new byte[0]);

    List<Point> out = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    for (long at : instants(steps, points)) {
      disk.reset();
      r.machine.reset(prompt);
      r.truncateConsole(mark);
      r.type("tc");
      r.runTo(start + at);
      Point p = new Instant(r, disk, reboot, consoleInum, reference, file, mark).judge(at);
      out.add(p);
      for (String v : p.violations()) violations.add("at step " + at + ": " + v);
      progress.accept(out.size());
    }
    return new Result(steps, out, violations);
  }

  /** n instants spread evenly over (0, steps], the first a step after tc was typed. */
  static List<Long> instants(long steps, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      long at = Math.max(1, Math.round((double) i * steps / n));
      if (out.isEmpty() || out.get(out.size() - 1) != at) out.add(at);
    }
    return out;
  }

  /**
   * A whole line of the subject: "tp I X", "tp S" or "tp: done". A line the kernel's own console
   * output broke into (the kit prints a refusal while the subject writes, then the subject is
   * killed mid-line) is not one; a broken line followed by more lines leaves a gap, which the
   * prefix check then reports.
   */
  private static final Pattern SUBJECT_LINE =
      Pattern.compile(
          "tp [0-9a-f]{16}( [0-9a-f]{16})?|" + Pattern.quote(SweepPrograms.SUBJECT_DONE));

  /** The subject's lines in a console text ("tp ..." and "tp: done"), in order. */
  static List<String> subjectLines(String console) {
    return Arrays.stream(console.split("\n", -1))
        .filter(l -> SUBJECT_LINE.matcher(l).matches())
        .toList();
  }

  /** The judging of one interrupted run, from the instant the line is typed. */
  private record Instant(
      BootedKernel r,
      MemoryBlockDevice disk,
      BootedKernel.Parked reboot,
      long consoleInum,
      List<String> reference,
      byte[] file,
      int mark) {

    Point judge(long at) {
      List<String> v = new ArrayList<>();
      String said;
      try {
        r.type(SweepPrograms.GO);
        r.runUntil(
            () -> r.console().substring(mark).contains(SweepPrograms.CHECKPOINTED) && r.atPrompt(),
            "tc's checkpoint");
        // the console echoes the typed line wherever the output then is, even inside a line
        said = r.console().substring(mark).replaceFirst(SweepPrograms.GO + "\n", "");
      } catch (CannotJudge e) {
        return new Point(at, 1, "no answer", List.of(e.getMessage()));
      }
      int code = checkpointResult(said);
      List<String> before = subjectLines(said);
      int differs = firstDifference(before, reference);
      if (differs >= 0) {
        v.add(
            "before the checkpoint the subject's line "
                + differs
                + " was '"
                + before.get(differs)
                + "', not '"
                + (differs < reference.size() ? reference.get(differs) : "(none)")
                + "'");
      }
      boolean finished = before.contains(SweepPrograms.SUBJECT_DONE);
      if (code == Rule.CKPT_BUSY.code()
          || finished && (code == Rule.CKPT_ZOMBIE.code() || code == Rule.CKPT_NO_PROCESS.code())) {
        return new Point(at, code, "refused " + code + " (" + Sweeps.ruleName(code) + ")", v);
      }
      if (code != 0) {
        v.add("checkpoint returned " + code + " (" + Sweeps.ruleName(code) + ")");
        return new Point(at, code, "refused " + code, v);
      }
      return restored(at, before, v);
    }

    /** Boots the disk the interrupted run left and restores the subject's image there. */
    private Point restored(long at, List<String> before, List<String> v) {
      BootedKernel b = reboot.reset();
      for (long blk : disk.writtenBlocks()) {
        byte[] data = new byte[disk.blockSize()];
        disk.read(blk, data);
        reboot.disk.write(blk, data);
      }
      String out;
      try {
        b.runUntil(b::atPrompt, "the reboot");
        out = b.command("rt");
      } catch (CannotJudge e) {
        v.add("after the reboot: " + e.getMessage());
        return new Point(at, 0, "restore did not finish", v);
      }
      List<String> after = subjectLines(out);
      int from = after.isEmpty() ? -1 : reference.indexOf(after.get(0));
      List<String> rest = from < 0 ? List.of() : reference.subList(from, reference.size());
      if (from < 0) {
        v.add("the restored subject's first line is in no uninterrupted run: " + out.strip());
      } else if (!after.equals(rest)) {
        int d = firstDifference(after, rest);
        v.add(
            "the restored subject went on differently from line "
                + (from + (d < 0 ? after.size() : d))
                + "; it printed: "
                + out.strip());
      } else if (from > before.size()) {
        v.add("the restored subject skipped lines " + before.size() + ".." + (from - 1));
      }
      Optional<byte[]> f = Sweeps.readFile(reboot.disk, SweepPrograms.SUBJECT_FILE);
      if (f.isEmpty() || !Arrays.equals(f.get(), file)) {
        v.add(SweepPrograms.SUBJECT_FILE + " differs from the uninterrupted run's");
      }
      v.addAll(Sweeps.diskViolations(reboot.disk, consoleInum, SweepPrograms.SUBJECT_IMAGE));
      return new Point(
          at,
          0,
          from < 0 ? "restore failed" : "resumed at line " + from + " of " + reference.size(),
          v);
    }
  }

  static int checkpointResult(String console) {
    int i = console.indexOf(SweepPrograms.CHECKPOINTED);
    String digits = console.substring(i + SweepPrograms.CHECKPOINTED.length() + 1);
    return -Integer.parseInt(digits.substring(0, 2));
  }

  /** The first index where a is not the start of b, or -1 when it is. */
  static int firstDifference(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      if (i >= b.size() || !a.get(i).equals(b.get(i))) return i;
    }
    return -1;
  }

  static void addPrograms(MemoryBlockDevice disk) {
    Sweeps.addPrograms(
        disk,
        List.of(
            new Object[] {"tp", SweepPrograms.subject()},
            new Object[] {"tc", SweepPrograms.checkpointer()},
            new Object[] {"rt", SweepPrograms.restorer(SweepPrograms.SUBJECT_IMAGE)}));
  }
}
