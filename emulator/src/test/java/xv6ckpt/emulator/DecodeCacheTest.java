package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.Enc.*;

import org.junit.jupiter.api.Test;

/**
 * Decodings shared between pages with the same bytes ({@link DecodeCache}, whole-page copies):
 * found only for equal bytes, never patched in place, and a store to one page of a sharing pair
 * changes what that page runs and nothing else.
 */
class DecodeCacheTest {
  static final long BASE = PhysicalMemory.BASE;
  static final int PAGE = PhysicalMemory.PGSIZE;

  private static int off(long pa) {
    return (int) (pa - BASE);
  }

  @Test
  void pagesWithTheSameBytesShareOneDecoding() {
    Machine m = new Machine();
    m.code(BASE, addi(10, 0, 1), ECALL);
    m.code(BASE + 3 * PAGE, addi(10, 0, 1), ECALL);
    DecodeCache c = new DecodeCache();
    DecodedPage a = c.lookup(m.mem.ram, off(BASE));
    DecodedPage b = c.lookup(m.mem.ram, off(BASE + 3 * PAGE));
    assertThat(b).isSameInstanceAs(a);
    assertThat(a.shared).isTrue();
    assertThat(c.decodes()).isEqualTo(1);
  }

  @Test
  void aSlotHoldingOtherBytesIsDecodedAfresh() {
    Machine m = new Machine();
    m.code(BASE, addi(10, 0, 1), ECALL);
    m.code(BASE + PAGE, addi(10, 0, 2), ECALL);
    DecodeCache c = new DecodeCache(1); // every page hashes to the one slot
    DecodedPage a = c.lookup(m.mem.ram, off(BASE));
    DecodedPage b = c.lookup(m.mem.ram, off(BASE + PAGE));
    DecodedPage again = c.lookup(m.mem.ram, off(BASE));
    assertThat(b).isNotSameInstanceAs(a);
    assertThat(b.code).isEqualTo(DecodedPage.decode(m.mem.ram, off(BASE + PAGE)).code);
    assertThat(again.code).isEqualTo(DecodedPage.decode(m.mem.ram, off(BASE)).code);
    assertThat(again.code).isNotEqualTo(b.code);
    assertThat(c.decodes()).isEqualTo(3);
  }

  @Test
  void slotCountMustBeAPowerOfTwo() {
    assertThrows(IllegalArgumentException.class, () -> new DecodeCache(3));
    assertThrows(IllegalArgumentException.class, () -> new DecodeCache(0));
  }

  @Test
  void aSharedDecodingIsNeverPatchedInPlace() {
    Machine m = new Machine();
    m.code(BASE, addi(10, 0, 1), ECALL);
    DecodedPage p = new DecodeCache().lookup(m.mem.ram, 0);
    assertThrows(IllegalStateException.class, () -> p.patch(m.mem.ram, 0, 0, 4));
    DecodedPage own = p.privateCopy();
    assertThat(own.shared).isFalse();
    assertThat(own.code).isEqualTo(p.code);
    assertThat(own.code).isNotSameInstanceAs(p.code);
  }

  /** Runs from pa (Bare mode) to the first trap; returns a0. */
  private static long runAt(Machine m, long pa) {
    m.hart.setPc(pa);
    assertThat(m.hart.run(100)).isInstanceOf(Trap.Ecall.class);
    return m.hart.x(10);
  }

  @Test
  void aStoreToOneOfTwoSharingPagesChangesOnlyThatPage() {
    // Each page: a0 = 1, then overwrite its own first instruction with a1's word, then ecall.
    Machine m = new Machine();
    int[] program = {addi(10, 0, 1), sw(11, 12, 0), ECALL};
    long a = BASE + PAGE;
    long b = BASE + 5 * PAGE;
    m.code(a, program).code(b, program);
    m.hart.setX(11, addi(10, 0, 7));
    m.hart.setX(12, a);
    assertThat(runAt(m, a)).isEqualTo(1); // decodes a, then rewrites a's first instruction
    m.hart.setX(12, BASE + 0x800); // from now on the store goes elsewhere
    assertThat(runAt(m, b)).isEqualTo(1); // b holds the old bytes: found in the cache
    assertThat(m.mem.decoded[off(b) >>> 12].shared).isTrue();
    assertThat(runAt(m, a)).isEqualTo(7);
    assertThat(runAt(m, b)).isEqualTo(1);
  }

  @Test
  void aCopiedCodePageSharesItsDecodingUntilEitherIsWritten() {
    Machine m = new Machine();
    long src = BASE + 2 * PAGE;
    long dst = BASE + 9 * PAGE;
    m.code(src, addi(10, 0, 3), ECALL);
    assertThat(runAt(m, src)).isEqualTo(3);
    m.mem.copy(src, dst, PAGE);
    assertThat(m.mem.decoded[off(dst) >>> 12]).isSameInstanceAs(m.mem.decoded[off(src) >>> 12]);
    assertThat(runAt(m, dst)).isEqualTo(3);
    // A hart store into dst (as a forked child writing its copy): dst runs the new code only.
    m.code(BASE + 12 * PAGE, sw(11, 12, 0), ECALL);
    m.hart.setX(11, addi(10, 0, 4));
    m.hart.setX(12, dst);
    runAt(m, BASE + 12 * PAGE);
    assertThat(runAt(m, dst)).isEqualTo(4);
    assertThat(runAt(m, src)).isEqualTo(3);
  }
}
