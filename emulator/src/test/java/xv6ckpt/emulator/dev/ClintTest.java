package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class ClintTest {

  @Test
  void xv6TimerinitSequenceFiresTheTimerWhenTimeReachesTheCompare() {
    Clint clint = new Clint(2);
    clint.setTime(5000);
    // start.c: *(uint64*)CLINT_MTIMECMP(id) = *(uint64*)CLINT_MTIME + interval;
    long now = clint.read(Clint.MTIME, 8);
    assertThat(now).isEqualTo(5000);
    clint.write(Clint.MTIMECMP + 8, 8, now + 1_000_000);
    assertThat(clint.mtip(1)).isFalse();
    assertThat(clint.mtip(0)).isFalse(); // hart 0 never programmed: never pending
    clint.setTime(1_004_999);
    assertThat(clint.mtip(1)).isFalse();
    clint.setTime(1_005_000);
    assertThat(clint.mtip(1)).isTrue();
    assertThat(clint.mtip(0)).isFalse();
  }

  @Test
  void mtimecmpTakesTwo32BitHalvesAndReadsBackByLanes() {
    Clint clint = new Clint(1);
    clint.write(Clint.MTIMECMP, 4, 0x8765_4321L);
    clint.write(Clint.MTIMECMP + 4, 4, 0x1234L);
    assertThat(clint.mtimecmp(0)).isEqualTo(0x1234_8765_4321L);
    assertThat(clint.read(Clint.MTIMECMP + 4, 4)).isEqualTo(0x1234L);
    assertThat(clint.read(Clint.MTIMECMP + 1, 1)).isEqualTo(0x43L);
    assertThat(clint.read(Clint.MTIMECMP + 2, 2)).isEqualTo(0x8765L);
  }

  @Test
  void msipIsOneBitPerHartAndHolesReadZero() {
    Clint clint = new Clint(3);
    clint.write(Clint.MSIP + 8, 4, 0xffff_ffffL); // hart 2
    assertThat(clint.msip(2)).isTrue();
    assertThat(clint.msip(0)).isFalse();
    assertThat(clint.read(Clint.MSIP + 8, 4)).isEqualTo(1);
    clint.write(Clint.MSIP, 8, (1L << 32) | 0); // harts 0 and 1 in one 8-byte store
    assertThat(clint.msip(1)).isTrue();
    assertThat(clint.msip(0)).isFalse();
    clint.write(Clint.MSIP + 12, 4, 1); // hart 3 does not exist
    assertThat(clint.read(Clint.MSIP + 12, 4)).isEqualTo(0);
    assertThat(clint.read(0x5000, 8)).isEqualTo(0);
  }

  @Test
  void mtimeWritesAreIgnored() {
    Clint clint = new Clint(1);
    clint.setTime(77);
    clint.write(Clint.MTIME, 8, 5);
    assertThat(clint.read(Clint.MTIME, 8)).isEqualTo(77);
    assertThat(clint.read(Clint.MTIME + 4, 4)).isEqualTo(0);
  }

  @Test
  void nextTimerEventIsTheEarliestCompareAheadOfNow() {
    Clint clint = new Clint(3);
    assertThat(clint.nextTimerEvent()).isEqualTo(Long.MAX_VALUE); // nothing programmed
    clint.setTime(100);
    clint.write(Clint.MTIMECMP, 8, 50); // already pending: not ahead
    clint.write(Clint.MTIMECMP + 8, 8, 900);
    clint.write(Clint.MTIMECMP + 16, 8, 300);
    assertThat(clint.nextTimerEvent()).isEqualTo(300);
    clint.setTime(300);
    assertThat(clint.nextTimerEvent()).isEqualTo(900);
    assertThat(clint.mtip(2)).isTrue();
  }

  @Test
  void restoreReturnsToTheSnapshotAndTheSnapshotDoesNotChangeAfterwards() {
    Clint clint = new Clint(2);
    clint.setTime(10);
    clint.write(Clint.MTIMECMP, 8, 20);
    clint.write(Clint.MSIP + 4, 4, 1);
    Clint.Snapshot s = clint.snapshot();
    clint.setTime(99);
    clint.write(Clint.MTIMECMP, 8, 30);
    clint.write(Clint.MSIP + 4, 4, 0);
    s.mtimecmp()[0] = 1234; // a copy: must not reach the snapshot
    clint.restore(s);
    assertThat(clint.time()).isEqualTo(10);
    assertThat(clint.mtimecmp(0)).isEqualTo(20);
    assertThat(clint.msip(1)).isTrue();
  }
}
