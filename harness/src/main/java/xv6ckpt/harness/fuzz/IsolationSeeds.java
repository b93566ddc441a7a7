package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.IsolationPrograms.SCRATCH;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import xv6ckpt.harness.fuzz.IsolationTarget.Addr;
import xv6ckpt.harness.fuzz.IsolationTarget.BadExec;
import xv6ckpt.harness.fuzz.IsolationTarget.BadRestore;
import xv6ckpt.harness.fuzz.IsolationTarget.Call;
import xv6ckpt.harness.fuzz.IsolationTarget.CkptVictim;
import xv6ckpt.harness.fuzz.IsolationTarget.ForkExit;
import xv6ckpt.harness.fuzz.IsolationTarget.ReadInto;
import xv6ckpt.harness.fuzz.IsolationTarget.Sbrk;
import xv6ckpt.harness.fuzz.IsolationTarget.WriteFrom;

/**
 * The isolation target's seed corpus: one seed per call kind (each wild address, the victim's
 * frame, each failing restore and exec), then mixed lists drawn as the law's generator draws them,
 * from a fixed seed. {@code java -cp ... xv6ckpt.harness.fuzz.IsolationSeeds corpus/isolation}
 * writes them; a test checks that the committed files are these bytes.
 */
public final class IsolationSeeds {
  private IsolationSeeds() {}

  static final int MIXED = 12;

  /** Name to input bytes, in a fixed order. */
  static Map<String, byte[]> seeds() {
    Map<String, List<Call>> named = new LinkedHashMap<>();
    List<Call> wildWrites = new ArrayList<>(), wildReads = new ArrayList<>();
    for (long va : IsolationTarget.WILD) {
      wildWrites.add(new WriteFrom(new Addr.Va(va), 64));
      wildReads.add(new ReadInto(new Addr.Va(va), 64));
    }
    named.put("seed-write-wild", wildWrites);
    named.put("seed-read-wild", wildReads);
    named.put(
        "seed-victim-frame",
        List.of(
            new WriteFrom(new Addr.VictimFrame(0), 4096),
            new ReadInto(new Addr.VictimFrame(8), 100),
            new WriteFrom(new Addr.Va(0x8000_0000L), 6000),
            new ReadInto(new Addr.Va(0x8000_0000L + 4096L * 0x7fff), 6000)));
    named.put(
        "seed-own-memory",
        List.of(
            new WriteFrom(new Addr.Va(0), 6000),
            new ReadInto(new Addr.Va(SCRATCH), 6000),
            new ReadInto(new Addr.Va(IsolationPrograms.I_END - 8), 6000),
            new WriteFrom(new Addr.Va(IsolationPrograms.I_SIZE - 100), 200)));
    named.put(
        "seed-sbrk-up-down",
        List.of(
            new Sbrk(16384),
            new ReadInto(new Addr.Va(IsolationPrograms.I_SIZE + 100), 6000),
            new Sbrk(-12288),
            new Sbrk(-12288),
            new WriteFrom(new Addr.Va(IsolationPrograms.I_SIZE), 4096)));
    named.put("seed-fork-exit", List.of(new Sbrk(8192), new ForkExit(), new ForkExit()));
    named.put("seed-checkpoint-victim", List.of(new CkptVictim(), new CkptVictim()));
    named.put(
        "seed-failing-restores", List.of(new BadRestore(0), new BadRestore(1), new BadRestore(2)));
    named.put("seed-failing-execs", List.of(new BadExec(0), new BadExec(1)));
    SplittableRandom r = new SplittableRandom(20240601);
    for (int i = 0; i < MIXED; i++) {
      List<Call> calls = new ArrayList<>();
      int n = 1 + r.nextInt(12);
      for (int k = 0; k < n; k++) calls.add(draw(r));
      named.put("seed-mixed-" + i, calls);
    }
    Map<String, byte[]> out = new LinkedHashMap<>();
    named.forEach((name, calls) -> out.put(name, IsolationTarget.encode(calls)));
    return out;
  }

  /** One call as the law's generator draws it. */
  private static Call draw(SplittableRandom r) {
    return switch (r.nextInt(7)) {
      case 0 -> new WriteFrom(addr(r, 0), r.nextInt(6001));
      case 1 -> new ReadInto(addr(r, SCRATCH), r.nextInt(6001));
      case 2 -> new Sbrk(r.nextInt(-12288, 16385));
      case 3 -> new ForkExit();
      case 4 -> new CkptVictim();
      case 5 -> new BadRestore(r.nextInt(3));
      default -> new BadExec(r.nextInt(2));
    };
  }

  private static Addr addr(SplittableRandom r, long lo) {
    return switch (r.nextInt(4)) {
      case 0 -> new Addr.Va(IsolationTarget.WILD[r.nextInt(IsolationTarget.WILD.length)]);
      case 1 -> new Addr.VictimFrame(r.nextInt(4096));
      default -> new Addr.Va(r.nextLong(lo, IsolationTarget.VA_END));
    };
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: IsolationSeeds DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
  }
}
