package xv6ckpt.harness.system;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.specs.Rule;

/**
 * Crash consistency of a C kernel's checkpoint at every disk write (issue 13, section 2): the
 * kernel, booted on a copy of its fs.img, runs the workload {@link SweepPrograms#workload} (three
 * self-checkpoints, to /a, /a again and /b, with a file write between them) once, and every write
 * that reaches its disk is recorded. The disk after the first k of those writes is exactly the disk
 * a power cut after write k leaves (what the kernel does after the cut never reaches it). For each
 * chosen k the kernel recovers that disk (a boot, whose log recovery runs in fsinit), restores /a
 * and /b, and is judged:
 *
 * <ul>
 *   <li>each restore either resumes a complete image of a step that wrote that path (the restored
 *       process checks its memory and says "cw: restored s") or, while no image has reached the
 *       path, is refused with RESTORE_NO_FILE; never another refusal (a torn image), never older
 *       than at a smaller k, and with no cut the last image written;
 *   <li>every image on the recovered disk is valid under the spec's decoder, whatever the kernel's
 *       own reader thinks of it;
 *   <li>the recovered disk is fsck-clean.
 * </ul>
 *
 * <p>Cost: the recovery boots start from one snapshot of the machine taken just before the kernel's
 * first disk request (found on the recording boot by the virtio queue's used index), with the disk
 * swapped, so no cut pays for the boot's memory clearing. Deterministic: same kernel, image and
 * harts, same writes and verdicts.
 */
public final class CrashSweep {
  private static final Pattern RESTORED =
      Pattern.compile(Pattern.quote(SweepPrograms.RESTORED) + "(\\d+)");
  private static final Pattern CORRUPT =
      Pattern.compile(Pattern.quote(SweepPrograms.CORRUPT) + "(\\d+)");
  private static final Pattern REFUSED =
      Pattern.compile(Pattern.quote(SweepPrograms.RESTORE_REFUSED) + "(-\\d\\d)");

  /** What restore(path) did on a recovered disk. */
  public sealed interface Outcome {
    /** Refused with RESTORE_NO_FILE: no image reached the path yet. */
    record NoFile() implements Outcome {}

    /** The image of workload step {@code step} resumed and found its memory intact. */
    record Restored(int step) implements Outcome {}

    /** Refused with another code (a torn or damaged image, as the kernel sees it). */
    record Refused(int code) implements Outcome {}

    /** Anything else (a corrupt resumed process, a panic, no answer), said in words. */
    record Unclear(String what) implements Outcome {}
  }

  /** One cut: after write {@code k} of {@code writes}; outcomes in RESTORERS order; disk checks. */
  public record Point(long k, List<Outcome> outcomes, List<String> diskViolations) {}

  /** A sweep: the workload's disk writes, the points judged, and every violation found. */
  public record Result(long writes, List<Point> points, List<String> violations) {
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

  /**
   * @param progress told the number of points done, for a progress display
   */
  public CrashSweep(String name, byte[] elf, int harts, IntConsumer progress) {
    this.name = name;
    this.elf = elf.clone();
    this.config = new SystemMachine.Config(128L << 20, harts, 0, 10_000);
    this.progress = progress;
  }

  /** Runs the sweep over a copy of {@code fsImage} with at most {@code points} cuts. */
  public Result run(byte[] fsImage, int points) {
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, fsImage.clone());
    addPrograms(disk);
    Recording rec = record(disk);
    Recovery r = new Recovery(rec);
    List<Point> out = new ArrayList<>();
    for (long k : cuts(rec.writes.size(), points)) {
      out.add(r.judge(k));
      progress.accept(out.size());
    }
    return new Result(rec.writes.size(), out, judge(out, rec.writes.size()));
  }

  /**
   * The cuts for w writes: every k in [0, w] when that is at most n points, else n spread evenly.
   */
  static List<Long> cuts(long w, int n) {
    List<Long> ks = new ArrayList<>();
    if (w + 1 <= n) {
      for (long k = 0; k <= w; k++) ks.add(k);
      return ks;
    }
    for (int i = 0; i < n; i++) {
      long k = Math.round((double) i * w / (n - 1));
      if (ks.isEmpty() || ks.get(ks.size() - 1) != k) ks.add(k);
    }
    return ks;
  }

  // ---------------------------------------------------------------- judging

  /**
   * Every violation of the points, ascending in k, of a workload of {@code writes} writes: the
   * points' own disk violations, then per path the rules of the class comment.
   */
  static List<String> judge(List<Point> points, long writes) {
    List<String> v = new ArrayList<>();
    for (Point p : points) {
      for (String d : p.diskViolations()) v.add("cut after write " + p.k() + ": " + d);
    }
    for (int i = 0; i < SweepPrograms.RESTORERS.length; i++) {
      String path = SweepPrograms.RESTORERS[i][0];
      int newest = 0; // the step of the newest image seen at a smaller cut (0: none yet)
      for (Point p : points) {
        String at = "cut after write " + p.k() + ": restore(" + path + ") ";
        Outcome o = p.outcomes().get(i);
        if (o instanceof Outcome.NoFile) {
          if (newest > 0) v.add(at + "finds no file, after step " + newest + "'s image");
        } else if (o instanceof Outcome.Restored r) {
          if (!writes(r.step(), path)) {
            v.add(at + "resumed step " + r.step() + ", which did not write " + path);
          } else if (r.step() < newest) {
            v.add(at + "went back to step " + r.step() + " after step " + newest);
          }
          newest = Math.max(newest, r.step());
        } else if (o instanceof Outcome.Refused r) {
          v.add(at + "was refused with " + r.code() + " (" + Sweeps.ruleName(r.code()) + ")");
        } else if (o instanceof Outcome.Unclear u) {
          v.add(at + u.what());
        }
      }
      if (!points.isEmpty() && points.get(points.size() - 1).k() == writes) {
        int last = lastStep(path);
        Outcome o = points.get(points.size() - 1).outcomes().get(i);
        if (!(o instanceof Outcome.Restored r && r.step() == last)) {
          v.add("no cut: restore(" + path + ") must resume step " + last + ", got " + o);
        }
      }
    }
    return v;
  }

  private static boolean writes(int step, String path) {
    return step >= 1
        && step <= SweepPrograms.STEPS.length
        && SweepPrograms.STEPS[step - 1].equals(path);
  }

  private static int lastStep(String path) {
    int last = 0;
    for (int s = 1; s <= SweepPrograms.STEPS.length; s++) {
      if (SweepPrograms.STEPS[s - 1].equals(path)) last = s;
    }
    return last;
  }

  /** Restorer i's outcome for people: "/a restored step 2", "/b no file", ... */
  public static String describe(int i, Outcome o) {
    String path = SweepPrograms.RESTORERS[i][0];
    if (o instanceof Outcome.Restored r) return path + " restored step " + r.step();
    if (o instanceof Outcome.Refused r) {
      return path + " refused " + r.code() + " (" + Sweeps.ruleName(r.code()) + ")";
    }
    if (o instanceof Outcome.Unclear u) return path + " " + u.what();
    return path + " no file";
  }

  /** What the console said after "ra"/"rb" was typed, as an outcome. */
  static Outcome outcome(String console) {
    Matcher m = RESTORED.matcher(console);
    if (m.find()) return new Outcome.Restored(Integer.parseInt(m.group(1)));
    m = CORRUPT.matcher(console);
    if (m.find()) {
      return new Outcome.Unclear("resumed step " + m.group(1) + "'s image with its memory wrong");
    }
    m = REFUSED.matcher(console);
    if (m.find()) {
      int code = Integer.parseInt(m.group(1));
      return code == Rule.RESTORE_NO_FILE.code() ? new Outcome.NoFile() : new Outcome.Refused(code);
    }
    return new Outcome.Unclear("gave no answer; the console said: " + console.strip());
  }

  // ---------------------------------------------------------------- the recording run

  /** The workload's writes, the disk before them, and when the kernel first asks for its disk. */
  private record Recording(
      byte[] base, List<FaultInjectingBlockDevice.WriteRecord> writes, long firstRequest) {}

  static void addPrograms(MemoryBlockDevice disk) {
    List<Object[]> programs = new ArrayList<>();
    programs.add(new Object[] {"cw", SweepPrograms.workload()});
    for (String[] r : SweepPrograms.RESTORERS) {
      programs.add(new Object[] {r[1], SweepPrograms.restorer(r[0])});
    }
    Sweeps.addPrograms(disk, programs);
  }

  private Recording record(MemoryBlockDevice disk) {
    FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(disk, true);
    BootedKernel b = new BootedKernel(name, elf, config, codeCache, dev);
    long first = b.bootToPrompt();
    byte[] base = disk.contents();
    int from = dev.writeLog().size();
    String said = b.command("cw");
    if (!said.contains(SweepPrograms.DONE)) {
      throw new CannotJudge(
          name
              + ": checkpoint(0, path) (system call 22) was refused; does this kernel implement"
              + " it? The console said: "
              + said.strip());
    }
    return new Recording(
        base, List.copyOf(dev.writeLog().subList(from, dev.writeLog().size())), first);
  }

  // ---------------------------------------------------------------- recovery from each cut

  /** One machine parked before its first disk request, with the disk swapped per cut. */
  private final class Recovery {
    private final Recording rec;
    private final BootedKernel.Parked parked;
    private final long consoleInum;

    Recovery(Recording rec) {
      this.rec = rec;
      MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, rec.base());
      consoleInum = Sweeps.inum(disk, "/console");
      parked = new BootedKernel.Parked(name, elf, config, codeCache, disk, rec.firstRequest());
    }

    Point judge(long k) {
      BootedKernel b = parked.reset();
      for (int i = 0; i < k; i++) {
        FaultInjectingBlockDevice.WriteRecord w = rec.writes().get(i);
        parked.disk.write(w.blockno(), w.contents());
      }
      List<Outcome> outcomes = new ArrayList<>();
      try {
        b.runUntil(b::atPrompt, "recovery boot to the prompt");
        for (String[] r : SweepPrograms.RESTORERS) outcomes.add(outcome(b.command(r[1])));
      } catch (CannotJudge e) {
        while (outcomes.size() < SweepPrograms.RESTORERS.length) {
          outcomes.add(new Outcome.Unclear(e.getMessage()));
        }
        return new Point(k, outcomes, List.of());
      }
      return new Point(
          k,
          outcomes,
          Sweeps.diskViolations(
              parked.disk,
              consoleInum,
              Arrays.stream(SweepPrograms.RESTORERS).map(r -> r[0]).toArray(String[]::new)));
    }
  }
}
