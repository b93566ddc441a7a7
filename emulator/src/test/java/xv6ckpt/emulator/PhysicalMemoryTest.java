package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.Enc.*;

import org.junit.jupiter.api.Test;

/** Kernel-side access, range errors, and snapshot/reset with dirty-page tracking. */
class PhysicalMemoryTest {
  static final long BASE = PhysicalMemory.BASE;

  @Test
  void littleEndianAccessAndBulkCopies() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.write64(BASE + 8, 0x0102_0304_0506_0708L);
    assertThat(m.read8(BASE + 8)).isEqualTo((byte) 8);
    assertThat(m.read16(BASE + 9)).isEqualTo((short) 0x0607);
    assertThat(m.read32(BASE + 12)).isEqualTo(0x0102_0304);
    byte[] buf = new byte[10];
    m.read(BASE + 7, buf, 1, 3);
    assertThat(buf[2]).isEqualTo((byte) 8);
    m.write(BASE + 0xFFE, new byte[] {1, 2, 3, 4}, 0, 4); // across a page boundary
    assertThat(m.read32(BASE + 0xFFE)).isEqualTo(0x0403_0201);
    m.fill(BASE + 0x2000, 4096, (byte) 0x5A);
    assertThat(m.read64(BASE + 0x2FF8)).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
    assertThat(m.size()).isEqualTo(1 << 20);
  }

  @Test
  void wordArraysReadAndWriteAsSingleLittleEndianWordsDo() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    long[] src = {-1, 0x0102_0304_0506_0708L, Long.MIN_VALUE, 42, 7};
    m.writeLongs(BASE + 0xFF8, src, 1, 3); // three words across the first page boundary
    assertThat(m.read64(BASE + 0xFF8)).isEqualTo(0x0102_0304_0506_0708L);
    assertThat(m.read8(BASE + 0xFF8)).isEqualTo((byte) 8);
    assertThat(m.read64(BASE + 0x1000)).isEqualTo(Long.MIN_VALUE);
    assertThat(m.read64(BASE + 0x1008)).isEqualTo(42);
    assertThat(m.read64(BASE + 0x1010)).isEqualTo(0); // n words, no more
    assertThat(m.dirtyPageCount()).isEqualTo(2); // both pages it touched, for the next reset
    m.write64(BASE + 0x2008, -5);
    long[] dst = new long[6];
    m.readLongs(BASE + 0x1000, dst, 2, 3);
    assertThat(dst).asList().containsExactly(0L, 0L, Long.MIN_VALUE, 42L, 0L, 0L).inOrder();
    m.readLongs(BASE + 0x2008, dst, 0, 1);
    assertThat(dst[0]).isEqualTo(-5);
    assertThrows(
        IllegalArgumentException.class, () -> m.readLongs(BASE + (1 << 20) - 16, dst, 0, 3));
    assertThrows(
        IllegalArgumentException.class, () -> m.writeLongs(BASE + (1 << 20) - 8, src, 0, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> m.writeLongs(BASE, src, 3, 3));
    assertThat(m.read64(BASE)).isEqualTo(0); // a refused write wrote nothing
  }

  @Test
  void aFullPageRestoresAfterAWordArrayWrite() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    PhysicalMemory.Snapshot s = m.snapshot();
    m.writeLongs(BASE + 0x3000, new long[] {1, 2}, 0, 2);
    m.reset(s);
    assertThat(m.read64(BASE + 0x3000)).isEqualTo(0);
    assertThat(m.read64(BASE + 0x3008)).isEqualTo(0);
  }

  @Test
  void outOfRangeAccessNamesTheAddress() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> m.read64(BASE + (1 << 20) - 4));
    assertThat(e).hasMessageThat().contains("0x800ffffc");
    assertThrows(IllegalArgumentException.class, () -> m.write8(BASE - 1, (byte) 0));
    assertThrows(IllegalArgumentException.class, () -> m.read8(0));
    assertThrows(IllegalArgumentException.class, () -> m.fill(BASE, -1, (byte) 0));
    assertThrows(IndexOutOfBoundsException.class, () -> m.write(BASE, new byte[4], 2, 4));
    assertThat(m.contains(BASE, 1 << 20)).isTrue();
    assertThat(m.contains(BASE, (1 << 20) + 1)).isFalse();
    assertThat(m.contains(-8, 4)).isFalse();
    assertThat(m.contains(Long.MAX_VALUE, 1)).isFalse();
  }

  @Test
  void sizeMustBeWholePages() {
    assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(4097));
    assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(0));
    assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(2L << 30));
  }

  @Test
  void resetRestoresExactlyTheSnapshot() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.write64(BASE, 1);
    m.write64(BASE + 0x5000, 2);
    PhysicalMemory.Snapshot s = m.snapshot();
    assertThat(m.dirtyPageCount()).isEqualTo(0);
    m.write64(BASE, 10);
    m.write64(BASE + 0x7000, 3);
    m.fill(BASE + 0x9000, 3 * 4096, (byte) 1);
    assertThat(m.dirtyPageCount()).isEqualTo(5);
    m.reset(s);
    assertThat(m.read64(BASE)).isEqualTo(1);
    assertThat(m.read64(BASE + 0x5000)).isEqualTo(2);
    assertThat(m.read64(BASE + 0x7000)).isEqualTo(0);
    assertThat(m.read64(BASE + 0xA000)).isEqualTo(0);
    assertThat(m.dirtyPageCount()).isEqualTo(0);
  }

  @Test
  void hartStoresAndPageTableUpdatesAreTracked() {
    Machine m = new Machine().sv39();
    long code = BASE + 0x10000, data = BASE + 0x20000;
    m.code(code, sd(6, 5, 0), sd(6, 5, 8), ECALL);
    m.map(0x1000, code, Machine.URWX | Machine.A | Machine.D);
    m.map(0x2000, data, Machine.URWX); // A/D clear: the hart will set them
    PhysicalMemory.Snapshot s = m.mem.snapshot();
    long pteBefore = m.readPte(0x2000, 0);
    m.hart.setPc(0x1000);
    m.hart.setX(5, 0x2000);
    m.hart.setX(6, 42);
    assertThat(m.hart.run(10)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.mem.read64(data)).isEqualTo(42);
    assertThat(m.readPte(0x2000, 0)).isNotEqualTo(pteBefore);
    assertThat(m.mem.dirtyPageCount()).isEqualTo(2); // data page and the leaf table
    m.mem.reset(s);
    assertThat(m.mem.read64(data)).isEqualTo(0);
    assertThat(m.readPte(0x2000, 0)).isEqualTo(pteBefore);
    // After the reset the hart must not store through stale TLB entries without tracking.
    m.hart.setPc(0x1000);
    m.hart.run(10);
    assertThat(m.mem.dirtyPageCount()).isEqualTo(2);
    m.mem.reset(s);
    assertThat(m.mem.read64(data + 8)).isEqualTo(0);
  }

  @Test
  void snapshotsAreSharedAcrossMachinesAndResetsBetweenSnapshotsWork() {
    PhysicalMemory a = new PhysicalMemory(1 << 20);
    a.write64(BASE, 1);
    PhysicalMemory.Snapshot s1 = a.snapshot();
    a.write64(BASE + 0x3000, 2);
    PhysicalMemory.Snapshot s2 = a.snapshot();
    a.write64(BASE, 3);

    a.reset(s1); // not the baseline: pages that differ between s1 and s2 come back too
    assertThat(a.read64(BASE)).isEqualTo(1);
    assertThat(a.read64(BASE + 0x3000)).isEqualTo(0);
    a.reset(s2);
    assertThat(a.read64(BASE + 0x3000)).isEqualTo(2);

    PhysicalMemory b = new PhysicalMemory(1 << 20);
    b.write64(BASE + 0x8000, 9);
    b.reset(s2);
    assertThat(b.read64(BASE)).isEqualTo(1);
    assertThat(b.read64(BASE + 0x3000)).isEqualTo(2);
    assertThat(b.read64(BASE + 0x8000)).isEqualTo(0);
    b.write64(BASE, 5); // writing b must not disturb the shared snapshot
    a.reset(s2);
    assertThat(a.read64(BASE)).isEqualTo(1);

    PhysicalMemory small = new PhysicalMemory(1 << 16);
    assertThrows(IllegalArgumentException.class, () -> small.reset(s2));
  }

  @Test
  void nextNonZero64FindsTheFirstSetWordOrTheEnd() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    long page = BASE + 0x4000;
    assertThat(m.nextNonZero64(page, page + 4096)).isEqualTo(page + 4096);
    m.write64(page + 8 * 5, 1);
    m.write8(page + 8 * 300 + 3, (byte) 0x80); // one byte in the middle of word 300
    assertThat(m.nextNonZero64(page, page + 4096)).isEqualTo(page + 8 * 5);
    assertThat(m.nextNonZero64(page + 8 * 6, page + 4096)).isEqualTo(page + 8 * 300);
    assertThat(m.nextNonZero64(page + 8 * 6, page + 8 * 300)).isEqualTo(page + 8 * 300);
    assertThat(m.nextNonZero64(page + 8 * 301, page + 4096)).isEqualTo(page + 4096);
    m.write64(page + 4096 + 16, -1); // a range of several pages
    assertThat(m.nextNonZero64(page + 8 * 301, page + 3 * 4096)).isEqualTo(page + 4096 + 16);
    assertThat(m.nextNonZero64(page, page)).isEqualTo(page);
  }

  @Test
  void nextNonZero64RejectsUnalignedAndOutsideRanges() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    assertThrows(IllegalArgumentException.class, () -> m.nextNonZero64(BASE + 4, BASE + 64));
    assertThrows(IllegalArgumentException.class, () -> m.nextNonZero64(BASE, BASE + 63));
    assertThrows(IllegalArgumentException.class, () -> m.nextNonZero64(BASE + 64, BASE));
    assertThrows(
        IllegalArgumentException.class,
        () -> m.nextNonZero64(BASE + (1 << 20) - 8, BASE + (1 << 20) + 8));
  }

  @Test
  void copyMovesBytesAndRefusesOverlapAndBadRanges() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.write64(BASE + 0x1000, 0x1122_3344_5566_7788L);
    m.write64(BASE + 0x1ff8, 42);
    m.copy(BASE + 0x1000, BASE + 0x5000, 4096);
    assertThat(m.read64(BASE + 0x5000)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(m.read64(BASE + 0x5ff8)).isEqualTo(42);
    m.copy(BASE + 0x1004, BASE + 0x7003, 3); // not whole pages: bytes 0x44 0x33 0x22
    assertThat(m.read32(BASE + 0x7003)).isEqualTo(0x22_3344);
    assertThrows(IllegalArgumentException.class, () -> m.copy(BASE, BASE + 8, 16));
    assertThrows(IllegalArgumentException.class, () -> m.copy(BASE, BASE + (1 << 20), 16));
    assertThrows(IllegalArgumentException.class, () -> m.copy(BASE - 4096, BASE, 16));
  }

  @Test
  void copyOfAZeroPageZeroesTheDestination() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.fill(BASE + 0x6000, 4096, (byte) 7);
    m.copy(BASE + 0x2000, BASE + 0x6000, 4096); // from a page never written
    assertThat(m.nextNonZero64(BASE + 0x6000, BASE + 0x7000)).isEqualTo(BASE + 0x7000);
  }

  @Test
  void zeroingAPageKnownToBeZeroLeavesItClean() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.fill(BASE + 0x3000, 4096, (byte) 0);
    assertThat(m.dirtyPageCount()).isEqualTo(0);
    m.write8(BASE + 0x3010, (byte) 9);
    m.fill(BASE + 0x3000, 4096, (byte) 0); // not known zero any more: really zeroed
    assertThat(m.read8(BASE + 0x3010)).isEqualTo((byte) 0);
    PhysicalMemory.Snapshot s = m.snapshot(); // the page is all zeros again
    m.fill(BASE + 0x3000, 4096, (byte) 0);
    assertThat(m.dirtyPageCount()).isEqualTo(0);
    m.reset(s);
    assertThat(m.read8(BASE + 0x3010)).isEqualTo((byte) 0);
  }

  @Test
  void aPageRestoredWithDataIsNotTakenForZero() {
    PhysicalMemory m = new PhysicalMemory(1 << 20);
    m.write8(BASE + 0x3010, (byte) 9);
    PhysicalMemory.Snapshot s = m.snapshot();
    m.fill(BASE + 0x3000, 4096, (byte) 0);
    m.reset(s); // back to 9
    assertThat(m.read8(BASE + 0x3010)).isEqualTo((byte) 9);
    m.fill(BASE + 0x3000, 4096, (byte) 0);
    assertThat(m.read8(BASE + 0x3010)).isEqualTo((byte) 0);
  }

  @Test
  void aHartStoreAfterTheKernelZeroedThePageIsNotLost() {
    // The hart stores to a data page twice (the second store may use a store-TLB entry), the
    // kernel zeroes the page between its runs, the hart stores again; zeroing once more must
    // then really zero it, so the memory must have seen that last store.
    Machine h = new Machine();
    long data = BASE + 0x9000;
    h.code(BASE, sw(11, 12, 0), sw(11, 12, 8), ECALL);
    h.mem.write64(data + 64, 1); // the page is dirty and not zero: stores may enter the TLB
    h.hart.setX(11, 5);
    h.hart.setX(12, data);
    h.hart.setPc(BASE);
    h.hart.run(10);
    h.mem.fill(data, 4096, (byte) 0);
    h.hart.setPc(BASE);
    h.hart.run(10);
    assertThat(h.mem.read32(data + 8)).isEqualTo(5);
    h.mem.fill(data, 4096, (byte) 0);
    assertThat(h.mem.read32(data + 8)).isEqualTo(0);
    assertThat(h.mem.read32(data)).isEqualTo(0);
  }

  @Test
  void writtenPagesAreThoseChangedSinceTheBaseline() {
    PhysicalMemory m = new PhysicalMemory(16 * 4096);
    long base = PhysicalMemory.BASE;
    m.write64(base + 4096 * 2 + 8, 1);
    PhysicalMemory.Snapshot s = m.snapshot();
    assertThat(m.baseline()).isSameInstanceAs(s);
    assertThat(m.writtenPages()).isEmpty();
    m.write8(base + 4096 * 5 + 7, (byte) 3);
    m.fill(base + 4096 * 9, 4096, (byte) 0); // zero already: nothing written
    m.write32(base + 4096 * 12 - 2, 9); // across a page end: both pages
    assertThat(m.writtenPages())
        .asList()
        .containsExactly(base + 4096 * 5, base + 4096 * 11, base + 4096 * 12);
    assertThat(m.written(base + 4096 * 5 + 100)).isTrue();
    assertThat(m.written(base + 4096 * 2)).isFalse();
    assertThat(m.written(base + 4096 * 9)).isFalse();
    m.reset(s);
    assertThat(m.writtenPages()).isEmpty();
    assertThat(m.written(base + 4096 * 5)).isFalse();
    assertThat(m.baseline()).isSameInstanceAs(s);
  }
}
