package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/** The TLB's flushes forget every entry filled since the last one, however many there were. */
class TlbTest {

  @Test
  void flushForgetsFilledEntries() {
    Tlb t = new Tlb();
    t.fillLoad(3, 0x3000);
    t.fillStore(3, 0x3000);
    t.fillLoad(700, 0x7000);
    assertThat(t.lookupLoad(3)).isEqualTo(0x3000);
    assertThat(t.lookupLoad(700)).isEqualTo(0x7000);
    t.flush();
    assertThat(t.lookupLoad(3)).isEqualTo(-1);
    assertThat(t.lookupLoad(700)).isEqualTo(-1);
    assertThat(t.slots[Tlb.entry(3) + Tlb.STORE_TAG]).isEqualTo(-1L);
  }

  @Test
  void flushAfterMoreFillsThanTheListHoldsForgetsThemAll() {
    Tlb t = new Tlb();
    // Entry 0 filled, its store half dropped, filled again, ...: listed once per round, so the
    // list fills up with entry 0 alone; the entries filled after that are not listed.
    for (int round = 0; round < Tlb.ENTRIES; round++) {
      t.fillStore(0, 0x2000);
      t.flushStoresTo(0x2000);
    }
    t.fillLoad(5, 0x5000);
    t.fillStore(9, 0x9000);
    t.flush();
    for (int e = 0; e < t.slots.length; e++) {
      assertThat(t.slots[e]).isEqualTo(-1L);
    }
    t.fillLoad(5, 0x1000); // and the list works again after a full flush
    t.flush();
    assertThat(t.lookupLoad(5)).isEqualTo(-1);
  }

  @Test
  void flushStoresToDropsOnlyThatPagesStoreEntries() {
    Tlb t = new Tlb();
    t.fillLoad(1, 0x4000);
    t.fillStore(1, 0x4000);
    t.fillStore(2, 0x8000);
    t.flushStoresTo(0x4000);
    assertThat(t.slots[Tlb.entry(1) + Tlb.STORE_TAG]).isEqualTo(-1L);
    assertThat(t.slots[Tlb.entry(2) + Tlb.STORE_TAG]).isEqualTo(2L);
    assertThat(t.lookupLoad(1)).isEqualTo(0x4000);
  }
}
