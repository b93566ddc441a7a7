package xv6ckpt.emulator;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Machines that share one {@link DecodeCache} run as machines that do not: a generated program
 * ({@link TranslationDifferentialTest}, {@link ByteLoopTest}) runs on a machine that translates it,
 * then on a second machine with the same cache (which starts from the first one's decodings, heat
 * and translations), and the second stops exactly as a machine of its own with translation off
 * does, with the same RAM; and mostly it did reuse the first one's decoded code.
 */
class SharedDecodeCacheTest {

  @Property(tries = 150)
  void aMachineSharingTranslatedCodeRunsAsAFreshOne(@ForAll long seed) {
    TranslationDifferentialTest.Program p =
        seed % 2 == 0 ? TranslationDifferentialTest.program(seed) : ByteLoopTest.program(seed);
    DecodeCache code = new DecodeCache();
    Machine first = TranslationDifferentialTest.machine(p, new PhysicalMemory(Machine.RAM, code));
    first.hart.setTranslationThreshold(1);
    runToTheEnd(first, 257);
    Machine second = TranslationDifferentialTest.machine(p, new PhysicalMemory(Machine.RAM, code));
    second.hart.setTranslationThreshold(1);
    Machine alone = TranslationDifferentialTest.machine(p);
    alone.hart.setTranslation(false);
    TranslationDifferentialTest.runAlike(alone, second, List.of(131), 5000, seed);
    TranslationDifferentialTest.assertSameRam(second, alone, seed);
    // Sharing is the cache's to decide: two of the program's pages may hash to one of its
    // direct-mapped slots, and then the second machine decodes afresh. Most must share.
    Statistics.label("shares a decoding").collect(sharesADecoding(first, second));
    Statistics.label("shares a decoding").coverage(c -> c.check(true).percentage(pct -> pct >= 90));
  }

  private static Trap runToTheEnd(Machine m, long slice) {
    for (int i = 0; i < 5000; i++) {
      Trap t = m.hart.run(slice);
      if (!(t instanceof Trap.Timer)) {
        return t;
      }
    }
    return new Trap.Timer(m.hart.pc());
  }

  /** Whether the second machine runs from a decoded page object the first one made. */
  private static boolean sharesADecoding(Machine first, Machine second) {
    for (DecodedPage d : second.mem.decoded) {
      if (d == null) continue;
      for (DecodedPage e : first.mem.decoded) {
        if (d == e) return true;
      }
    }
    return false;
  }
}
