package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class PlicTest {

  private static final int UART = 10;
  private static final int VIRTIO = 1;

  private static long senable(int hart) {
    return Plic.ENABLE + Plic.ENABLE_STRIDE * Plic.supervisorContext(hart);
  }

  private static long sthreshold(int hart) {
    return Plic.CONTEXT + Plic.CONTEXT_STRIDE * Plic.supervisorContext(hart);
  }

  private static long sclaim(int hart) {
    return sthreshold(hart) + 4;
  }

  /** plicinit and plicinithart of xv6, for each hart. */
  private static Plic xv6Plic(int harts) {
    Plic plic = new Plic(harts, Plic.VIRT_SOURCES);
    plic.write(Plic.PRIORITY + 4 * UART, 4, 1);
    plic.write(Plic.PRIORITY + 4 * VIRTIO, 4, 1);
    for (int h = 0; h < harts; h++) {
      plic.write(senable(h), 4, (1 << UART) | (1 << VIRTIO));
      plic.write(sthreshold(h), 4, 0);
    }
    return plic;
  }

  @Test
  void xv6ClaimsARaisedLineAndALevelStillHighIsPendingAgainAfterComplete() {
    Plic plic = xv6Plic(1);
    IrqLine uart = plic.line(UART);
    assertThat(plic.seip(0)).isFalse();
    uart.set(true);
    assertThat(plic.seip(0)).isTrue();
    assertThat(plic.meip(0)).isFalse(); // M context has nothing enabled
    assertThat(plic.read(Plic.PENDING, 4)).isEqualTo(1L << UART);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
    assertThat(plic.read(Plic.PENDING, 4)).isEqualTo(0);
    assertThat(plic.seip(0)).isFalse(); // in flight
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0);
    plic.write(sclaim(0), 4, UART); // complete with the line still high
    assertThat(plic.seip(0)).isTrue();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
    uart.set(false); // serviced
    plic.write(sclaim(0), 4, UART);
    assertThat(plic.seip(0)).isFalse();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0);
  }

  @Test
  void claimWithNothingPendingIsZero() {
    Plic plic = xv6Plic(2);
    assertThat(plic.read(sclaim(1), 4)).isEqualTo(0);
    assertThat(plic.read(Plic.CONTEXT + 4, 4)).isEqualTo(0); // hart 0 M-mode
  }

  @Test
  void aLineDroppedBeforeTheClaimWithdrawsTheRequest() {
    Plic plic = xv6Plic(1);
    plic.line(VIRTIO).set(true);
    plic.line(VIRTIO).set(false);
    assertThat(plic.seip(0)).isFalse();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0);
  }

  @Test
  void thresholdMasksPrioritiesAtOrBelowIt() {
    Plic plic = xv6Plic(1);
    plic.line(UART).set(true);
    plic.write(sthreshold(0), 4, 1); // UART has priority 1
    assertThat(plic.seip(0)).isFalse();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0);
    plic.write(Plic.PRIORITY + 4 * UART, 4, 2);
    assertThat(plic.seip(0)).isTrue();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
  }

  @Test
  void priorityZeroNeverInterrupts() {
    Plic plic = new Plic(1, Plic.VIRT_SOURCES);
    plic.write(senable(0), 4, 1 << UART);
    plic.line(UART).set(true);
    assertThat(plic.seip(0)).isFalse();
  }

  @Test
  void higherPriorityWinsAndTiesGoToTheLowerId() {
    Plic plic = xv6Plic(1);
    plic.write(senable(0) + 4, 4, 1 << (40 - 32));
    plic.write(Plic.PRIORITY + 4 * 40, 4, 1);
    plic.line(40).set(true);
    plic.line(UART).set(true);
    plic.line(VIRTIO).set(true);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(VIRTIO); // all priority 1: lowest id
    plic.write(Plic.PRIORITY + 4 * 40, 4, 5);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(40);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
  }

  @Test
  void completionOfASourceNotEnabledForTheContextIsIgnored() {
    Plic plic = xv6Plic(1);
    plic.line(UART).set(true);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
    plic.write(Plic.CONTEXT + 4, 4, UART); // M context: UART not enabled there
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0); // still in flight
    plic.write(sclaim(0), 4, UART);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
  }

  @Test
  void eachHartClaimsOnceAndTheOtherSeesItGone() {
    Plic plic = xv6Plic(2);
    plic.line(UART).set(true);
    assertThat(plic.seip(0)).isTrue();
    assertThat(plic.seip(1)).isTrue();
    assertThat(plic.read(sclaim(1), 4)).isEqualTo(UART);
    assertThat(plic.seip(0)).isFalse();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(0);
  }

  @Test
  void machineContextRaisesMeip() {
    Plic plic = xv6Plic(1);
    plic.write(Plic.ENABLE, 4, 1 << VIRTIO);
    plic.line(VIRTIO).set(true);
    assertThat(plic.meip(0)).isTrue();
    assertThat(plic.read(Plic.CONTEXT + 4, 4)).isEqualTo(VIRTIO);
    assertThat(plic.meip(0)).isFalse();
  }

  @Test
  void registersAreWarlAndSourceZeroDoesNotExist() {
    Plic plic = new Plic(1, 40);
    plic.write(Plic.PRIORITY + 4 * 3, 4, 0xff);
    assertThat(plic.read(Plic.PRIORITY + 4 * 3, 4)).isEqualTo(7);
    plic.write(Plic.PRIORITY, 4, 5);
    assertThat(plic.read(Plic.PRIORITY, 4)).isEqualTo(0);
    plic.write(Plic.ENABLE, 4, 0xffff_ffffL);
    assertThat(plic.read(Plic.ENABLE, 4)).isEqualTo(0xffff_fffeL);
    plic.write(Plic.ENABLE + 4, 4, 0xffff_ffffL); // sources 32..39 only
    assertThat(plic.read(Plic.ENABLE + 4, 4)).isEqualTo(0xffL);
    plic.write(Plic.PENDING, 4, 0xffff_ffffL);
    assertThat(plic.read(Plic.PENDING, 4)).isEqualTo(0);
    assertThat(plic.read(Plic.PRIORITY + 4 * 3, 2)).isEqualTo(0); // 4-byte registers only
  }

  @Test
  void onClaimRunsWhenTheSourceIsClaimed() {
    Plic plic = xv6Plic(1);
    int[] claims = new int[1];
    plic.onClaim(UART, () -> claims[0]++);
    plic.line(UART).set(true);
    assertThat(claims[0]).isEqualTo(0);
    plic.read(sclaim(0), 4);
    assertThat(claims[0]).isEqualTo(1);
  }

  @Test
  void restoreReturnsToTheSnapshot() {
    Plic plic = xv6Plic(1);
    plic.line(UART).set(true);
    Plic.Snapshot s = plic.snapshot();
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
    plic.write(sthreshold(0), 4, 7);
    plic.restore(s);
    assertThat(plic.read(sthreshold(0), 4)).isEqualTo(0);
    assertThat(plic.read(sclaim(0), 4)).isEqualTo(UART);
  }
}
