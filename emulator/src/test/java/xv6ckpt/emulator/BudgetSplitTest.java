package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.Enc.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs split at any instruction count behave exactly like single steps: same pc after each retired
 * instruction, same registers and memory at the end. The program mixes long straight-line blocks,
 * compressed code, loads and stores (first TLB misses), a store that rewrites an instruction later
 * in its own block, and an instruction crossing a page.
 */
class BudgetSplitTest {
  static final long BASE = PhysicalMemory.BASE;
  static final long CODE = BASE + 0x1FC0; // the program runs into the next page

  static Machine program() {
    Machine m = new Machine();
    List<Integer> w = new ArrayList<>();
    w.add(addi(10, 0, 0)); // a0 = 0 (loop counter)
    // loop:
    for (int k = 0; k < 6; k++) w.add(addi(11, 11, k + 1)); // long block
    w.add(sd(11, 12, 0)); // a2 = data
    w.add(ld(13, 12, 0));
    w.add(add(14, 14, 13));
    w.add(sw(15, 16, 0)); // a6 = address of the `patched` slot below, a5 = new instruction
    w.add(addi(17, 17, 1)); // patched: becomes addi a7, a7, 100 after the first store
    w.add(addi(10, 10, 1));
    w.add(addi(0, 0, 0)); // filler to reach the page end
    int loopWords = w.size() - 1;
    long patched = CODE + 4L * (loopWords - 2);
    // The loop ends with bne a0, a1max, loop: placed so that it crosses the page end.
    long bneAt = CODE + 4L * w.size();
    int toLoop = (int) (CODE + 4 - bneAt);
    for (int k = 0; k < w.size(); k++) m.mem.write32(CODE + 4L * k, w.get(k));
    // Pad with c.nop (0x0001) from bneAt up to 0x1FFE, then the straddling bne, then ecall.
    long at = bneAt;
    while (at < BASE + 0x1FFE) {
      m.mem.write16(at, (short) 0x0001);
      at += 2;
    }
    int bne = Enc.bne(10, 18, (int) (CODE + 4 - at));
    m.mem.write16(at, (short) bne);
    m.mem.write16(at + 2, (short) (bne >>> 16));
    m.mem.write32(at + 4, ECALL);
    assertThat(toLoop).isLessThan(0);
    m.hart.setX(12, BASE + 0x9000);
    m.hart.setX(15, addi(17, 17, 100));
    m.hart.setX(16, patched);
    m.hart.setX(18, 4); // iterations
    m.hart.setPc(CODE);
    return m;
  }

  @Test
  void anySplitMatchesSingleStepping() {
    Machine ref = program();
    List<Long> pcs = new ArrayList<>();
    Trap t;
    while ((t = ref.hart.run(1)) instanceof Trap.Timer) {
      pcs.add(ref.hart.pc());
      assertThat(ref.hart.instret()).isEqualTo(pcs.size());
    }
    assertThat(t).isInstanceOf(Trap.Ecall.class);
    assertThat(pcs.size()).isEqualTo(1 + 4 * 17); // 13 words, 3 c.nop, bne per iteration
    // The store rewrites the very next instruction of its block: the new one runs from the start.
    assertThat(ref.hart.x(17)).isEqualTo(4 * 100);

    for (int chunk = 2; chunk <= 23; chunk++) {
      Machine m = program();
      while ((t = m.hart.run(chunk)) instanceof Trap.Timer) {
        int n = (int) m.hart.instret();
        assertWithMessage("chunk %s at %s", chunk, n).that(m.hart.pc()).isEqualTo(pcs.get(n - 1));
      }
      assertThat(t).isEqualTo(new Trap.Ecall(ref.hart.pc()));
      assertThat(m.hart.instret()).isEqualTo(ref.hart.instret());
      for (int r = 0; r < 32; r++) assertThat(m.hart.x(r)).isEqualTo(ref.hart.x(r));
      assertThat(m.mem.read64(BASE + 0x9000)).isEqualTo(ref.mem.read64(BASE + 0x9000));
    }
  }
}
