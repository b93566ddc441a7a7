package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.dev.VirtioDriver.DATA;
import static xv6ckpt.emulator.dev.VirtioDriver.NUM;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

class VirtioBlockTest {

  private static final int BSIZE = 1024;
  private static final int BLOCKS = 64;

  private final PhysicalMemory ram = new PhysicalMemory(1 << 20);
  private final MemoryBlockDevice medium = new MemoryBlockDevice(BSIZE, BLOCKS);
  private final FaultInjectingBlockDevice disk = new FaultInjectingBlockDevice(medium);
  private boolean line;
  private final VirtioBlock dev = new VirtioBlock(ram, disk, level -> line = level);
  private final VirtioDriver drv = new VirtioDriver(ram, dev);

  private static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed * 31 + i * 7);
    }
    return b;
  }

  private byte[] block(BlockDevice d, long blockno) {
    byte[] b = new byte[d.blockSize()];
    d.read(blockno, b);
    return b;
  }

  private byte[] ramBytes(long pa, int len) {
    byte[] b = new byte[len];
    ram.read(pa, b, 0, len);
    return b;
  }

  private boolean needsReset() {
    return (drv.reg(VirtioBlock.STATUS) & VirtioBlock.S_NEEDS_RESET) != 0;
  }

  @Test
  void xv6InitNegotiatesModernModeAndTheConfigGivesTheCapacityInSectors() {
    drv.init();
    int status = drv.reg(VirtioBlock.STATUS);
    assertThat(status & 0x0f).isEqualTo(0x0f);
    assertThat(dev.read(VirtioBlock.CONFIG, 8)).isEqualTo(2L * BLOCKS);
    assertThat(dev.read(VirtioBlock.CONFIG, 4)).isEqualTo(2L * BLOCKS);
    assertThat(dev.read(VirtioBlock.CONFIG + 4, 4)).isEqualTo(0);
    assertThat(dev.read(VirtioBlock.CONFIG + 1, 1)).isEqualTo(0);
    drv.set(VirtioBlock.DEVICE_FEATURES_SEL, 1);
    assertThat(drv.reg(VirtioBlock.DEVICE_FEATURES)).isEqualTo(1); // VIRTIO_F_VERSION_1
    drv.set(VirtioBlock.DEVICE_FEATURES_SEL, 0xffff_ffffL);
    assertThat(drv.reg(VirtioBlock.DEVICE_FEATURES)).isEqualTo(0);
    drv.set(VirtioBlock.DEVICE_FEATURES_SEL, 2);
    assertThat(drv.reg(VirtioBlock.DEVICE_FEATURES)).isEqualTo(0);
    assertThat(drv.reg(VirtioBlock.QUEUE_READY)).isEqualTo(1);
  }

  @Test
  void aThreeDescriptorWriteThenReadMovesOneXv6Block() {
    drv.init();
    byte[] data = pattern(BSIZE, 1);
    ram.write(DATA, data, 0, BSIZE);
    assertThat(drv.rw(true, 2 * 5, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(block(medium, 5)).isEqualTo(data);
    assertThat(drv.rw(false, 2 * 5, DATA + 0x1000, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(ramBytes(DATA + 0x1000, BSIZE)).isEqualTo(data);
    int usedLen = ram.read32(VirtioDriver.USED + 4 + 8 + 4); // second entry's length
    assertThat(usedLen).isEqualTo(BSIZE + 1);
  }

  @Test
  void theInterruptIsRaisedWithTheUsedEntryAndTheAckLowersIt() {
    drv.init();
    int head = drv.queue(false, 0, DATA, BSIZE);
    assertThat(line).isFalse();
    drv.notifyQueue();
    assertThat(line).isTrue();
    assertThat(drv.reg(VirtioBlock.INTERRUPT_STATUS)).isEqualTo(VirtioBlock.INT_USED_BUFFER);
    assertThat(drv.intr()).containsExactly(head);
    assertThat(line).isFalse();
    assertThat(drv.reg(VirtioBlock.INTERRUPT_STATUS)).isEqualTo(0);
  }

  @Test
  void sectorsMapExactlyOntoHalvesOfBlocks() {
    drv.init();
    byte[] before1 = pattern(BSIZE, 2);
    byte[] before2 = pattern(BSIZE, 3);
    medium.write(1, before1);
    medium.write(2, before2);
    byte[] half = pattern(512, 4);
    ram.write(DATA, half, 0, 512);
    assertThat(drv.rw(true, 3, DATA, 512)).isEqualTo(VirtioBlock.STATUS_OK); // block 1, 2nd half
    byte[] want1 = before1.clone();
    System.arraycopy(half, 0, want1, 512, 512);
    assertThat(block(medium, 1)).isEqualTo(want1);
    assertThat(block(medium, 2)).isEqualTo(before2);
    // Three sectors from sector 3: the second half of block 1, then all of block 2.
    assertThat(drv.rw(false, 3, DATA + 0x1000, 1536)).isEqualTo(VirtioBlock.STATUS_OK);
    byte[] want = new byte[1536];
    System.arraycopy(half, 0, want, 0, 512);
    System.arraycopy(before2, 0, want, 512, BSIZE);
    assertThat(ramBytes(DATA + 0x1000, 1536)).isEqualTo(want);
  }

  @Test
  void requestsPastTheCapacityOrOfPartSectorsFailWithIoerrAndTouchNothing() {
    drv.init();
    byte[] last = pattern(BSIZE, 5);
    ram.write(DATA, last, 0, BSIZE);
    long cap = 2L * BLOCKS;
    assertThat(drv.rw(true, cap - 2, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(drv.rw(true, cap - 1, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(drv.rw(true, cap, DATA, 512)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(drv.rw(false, -1L, DATA, 512)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(drv.rw(true, 0, DATA, 100)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(block(medium, BLOCKS - 1)).isEqualTo(last);
    assertThat(block(medium, 0)).isEqualTo(new byte[BSIZE]);
    assertThat(disk.writes()).isEqualTo(1);
    assertThat(needsReset()).isFalse(); // a bad request is the request's failure, not the device's
  }

  @Test
  void anInjectedDiskFaultBecomesIoerr() {
    drv.init();
    disk.failWrite(1);
    disk.failReadsOfBlock(7);
    assertThat(drv.rw(true, 0, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(drv.rw(true, 0, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(drv.rw(false, 14, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_IOERR);
    assertThat(drv.rw(false, 12, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
  }

  @Test
  void aPowerCutKeepsExactlyTheWritesBeforeIt() {
    drv.init();
    disk.cutPowerAfterWrite(2);
    for (int b = 0; b < 4; b++) {
      ram.write(DATA, pattern(BSIZE, 10 + b), 0, BSIZE);
      assertThat(drv.rw(true, 2L * b, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    }
    assertThat(block(medium, 0)).isEqualTo(pattern(BSIZE, 10));
    assertThat(block(medium, 1)).isEqualTo(pattern(BSIZE, 11));
    assertThat(block(medium, 2)).isEqualTo(new byte[BSIZE]);
    assertThat(block(medium, 3)).isEqualTo(new byte[BSIZE]);
  }

  @Test
  void requestsOfOneNotifyCompleteInRingOrder() {
    drv.init();
    ram.write(DATA, pattern(BSIZE, 6), 0, BSIZE);
    int w = drv.queue(true, 8, DATA, BSIZE);
    int r = drv.queue(false, 8, DATA + 0x1000, BSIZE);
    drv.notifyQueue();
    assertThat(drv.intr()).containsExactly(w, r).inOrder();
    assertThat(ramBytes(DATA + 0x1000, BSIZE)).isEqualTo(pattern(BSIZE, 6));
  }

  @Test
  void anyLayoutOfDescriptorsIsOneByteStream() {
    drv.init();
    // Header split 10 + 6, data of a write in the same descriptor as the header's tail.
    ram.write32(DATA, VirtioBlock.T_OUT);
    ram.write32(DATA + 4, 0);
    ram.write16(DATA + 8, (short) 6); // sector 6, low bytes
    ram.write32(DATA + 0x100, 0); // rest of the sector field
    ram.write16(DATA + 0x104, (short) 0);
    byte[] payload = pattern(512, 7);
    ram.write(DATA + 0x106, payload, 0, 512);
    drv.desc(0, DATA, 10, VirtioBlock.DESC_F_NEXT, 1);
    drv.desc(1, DATA + 0x100, 6 + 512, VirtioBlock.DESC_F_NEXT, 2);
    drv.desc(2, DATA + 0x800, 1, VirtioBlock.DESC_F_WRITE, 0);
    drv.publish(0);
    drv.notifyQueue();
    assertThat(ram.read8(DATA + 0x800)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(Arrays.copyOf(block(medium, 3), 512)).isEqualTo(payload);
  }

  @Test
  void unknownTypesAreUnsupportedAndFlushSucceeds() {
    drv.init();
    ram.write32(VirtioDriver.OPS, 99);
    drv.desc(0, VirtioDriver.OPS, 16, VirtioBlock.DESC_F_NEXT, 1);
    drv.desc(1, VirtioDriver.STATUS, 1, VirtioBlock.DESC_F_WRITE, 0);
    drv.publish(0);
    drv.notifyQueue();
    assertThat(drv.status(0)).isEqualTo(VirtioBlock.STATUS_UNSUPP);
    ram.write32(VirtioDriver.OPS, VirtioBlock.T_FLUSH);
    drv.publish(0);
    drv.notifyQueue();
    assertThat(drv.status(0)).isEqualTo(VirtioBlock.STATUS_OK);
  }

  @Test
  void aLoopInAChainNeedsAResetAndStopsTheDevice() {
    drv.init();
    drv.desc(0, VirtioDriver.OPS, 16, VirtioBlock.DESC_F_NEXT, 1);
    drv.desc(1, DATA, 512, VirtioBlock.DESC_F_NEXT, 0); // back to 0
    drv.publish(0);
    drv.notifyQueue();
    assertThat(needsReset()).isTrue();
    assertThat(line).isTrue();
    assertThat(drv.reg(VirtioBlock.INTERRUPT_STATUS)).isEqualTo(VirtioBlock.INT_CONFIG_CHANGE);
    assertThat(ram.read16(VirtioDriver.USED + 2)).isEqualTo(0);
    drv.intr();
    // Stopped: a good request is not served until the driver resets the device.
    int head = drv.queue(true, 0, DATA, BSIZE);
    drv.notifyQueue();
    assertThat(drv.status(head)).isEqualTo(0xff);
    drv.set(VirtioBlock.STATUS, 0);
    assertThat(drv.reg(VirtioBlock.STATUS)).isEqualTo(0);
    assertThat(line).isFalse();
    drv.usedIdx = 0;
    ram.fill(VirtioDriver.DESC, 0x3000, (byte) 0);
    drv.init();
    assertThat(drv.rw(true, 0, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
  }

  @Test
  void chainsLeavingRamOrTheTableNeedAReset() {
    long[][] bad = {
      {PhysicalMemory.BASE + ram.size() - 8, 16, 0}, // buffer runs off the end of RAM
      {0x1000_0000L, 16, 0}, // device space, not RAM
      {VirtioDriver.OPS, 16, NUM}, // next names a descriptor past the table
    };
    for (long[] b : bad) {
      PhysicalMemory r = new PhysicalMemory(1 << 20);
      VirtioBlock d = new VirtioBlock(r, new MemoryBlockDevice(BSIZE, BLOCKS), level -> {});
      VirtioDriver v = new VirtioDriver(r, d);
      v.init();
      v.desc(0, b[0], (int) b[1], VirtioBlock.DESC_F_NEXT, (int) b[2]);
      v.desc(1, VirtioDriver.STATUS, 1, VirtioBlock.DESC_F_WRITE, 0);
      // A well-formed status descriptor just past the table: only the bound refuses it.
      v.desc(NUM, VirtioDriver.STATUS, 1, VirtioBlock.DESC_F_WRITE, 0);
      v.publish(0);
      v.notifyQueue();
      assertThat(d.status() & VirtioBlock.S_NEEDS_RESET).isNotEqualTo(0);
    }
  }

  @Test
  void aReadableDescriptorAfterAWritableOneOrAMissingStatusNeedsAReset() {
    drv.init();
    drv.desc(0, VirtioDriver.OPS, 16, VirtioBlock.DESC_F_NEXT, 1);
    drv.desc(1, DATA, 512, VirtioBlock.DESC_F_NEXT | VirtioBlock.DESC_F_WRITE, 2);
    drv.desc(2, DATA + 512, 1, 0, 0);
    drv.publish(0);
    drv.notifyQueue();
    assertThat(needsReset()).isTrue();

    drv.set(VirtioBlock.STATUS, 0);
    drv.usedIdx = 0;
    drv.init();
    drv.desc(0, VirtioDriver.OPS, 16, 0, 0); // header only, nowhere to put the status
    drv.publish(0);
    drv.notifyQueue();
    assertThat(needsReset()).isTrue();
  }

  @Test
  void aQueueSizeThatIsNotAPowerOfTwoIsRefusedWhenMadeReady() {
    for (int num : new int[] {0, 6, 512}) {
      VirtioBlock d = new VirtioBlock(ram, medium, level -> {});
      d.write(VirtioBlock.STATUS, 4, VirtioBlock.S_ACKNOWLEDGE | VirtioBlock.S_DRIVER);
      d.write(VirtioBlock.QUEUE_NUM, 4, num);
      d.write(VirtioBlock.QUEUE_DESC_LOW, 4, VirtioDriver.DESC);
      d.write(VirtioBlock.DRIVER_DESC_LOW, 4, VirtioDriver.AVAIL);
      d.write(VirtioBlock.DEVICE_DESC_LOW, 4, VirtioDriver.USED);
      d.write(VirtioBlock.QUEUE_READY, 4, 1);
      assertThat(d.read(VirtioBlock.QUEUE_READY, 4)).isEqualTo(0);
      assertThat(d.status() & VirtioBlock.S_NEEDS_RESET).isNotEqualTo(0);
    }
  }

  @Test
  void anAvailIndexAheadByMoreThanTheQueueNeedsAReset() {
    drv.init();
    ram.write16(VirtioDriver.AVAIL + 2, (short) (NUM + 1));
    drv.notifyQueue();
    assertThat(needsReset()).isTrue();
  }

  @Test
  void featuresThatWereNotOfferedAreRefused() {
    dev.write(VirtioBlock.STATUS, 4, VirtioBlock.S_ACKNOWLEDGE | VirtioBlock.S_DRIVER);
    dev.write(VirtioBlock.DRIVER_FEATURES, 4, 1 << 28); // INDIRECT_DESC: not offered
    dev.write(VirtioBlock.STATUS, 4, 0x0b);
    assertThat(dev.status() & VirtioBlock.S_FEATURES_OK).isEqualTo(0);
    dev.write(VirtioBlock.DRIVER_FEATURES, 4, 1 << VirtioBlock.F_BLK_FLUSH);
    dev.write(VirtioBlock.DRIVER_FEATURES_SEL, 4, 1);
    dev.write(VirtioBlock.DRIVER_FEATURES, 4, 1); // VERSION_1
    dev.write(VirtioBlock.STATUS, 4, 0x0b);
    assertThat(dev.status() & VirtioBlock.S_FEATURES_OK).isNotEqualTo(0);
  }

  @Test
  void aNotifyBeforeDriverOkIsIgnoredAndNoInterruptHonoursTheFlag() {
    drv.init();
    drv.set(VirtioBlock.STATUS, drv.reg(VirtioBlock.STATUS) & ~VirtioBlock.S_DRIVER_OK);
    int head = drv.queue(true, 0, DATA, BSIZE);
    drv.notifyQueue();
    assertThat(drv.status(head)).isEqualTo(0xff);
    drv.set(VirtioBlock.STATUS, drv.reg(VirtioBlock.STATUS) | VirtioBlock.S_DRIVER_OK);
    ram.write16(VirtioDriver.AVAIL, (short) VirtioBlock.AVAIL_F_NO_INTERRUPT);
    drv.notifyQueue();
    assertThat(drv.status(head)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(line).isFalse();
  }

  @Test
  void controlRegistersAnswerOnlyFourByteAccesses() {
    assertThat(dev.read(VirtioBlock.MAGIC_VALUE, 1)).isEqualTo(0);
    assertThat(dev.read(VirtioBlock.MAGIC_VALUE, 8)).isEqualTo(0);
    dev.write(VirtioBlock.STATUS, 1, 1);
    assertThat(dev.status()).isEqualTo(0);
    assertThat(dev.read(0x800, 4)).isEqualTo(0);
  }

  @Test
  void restoreWithRamAndDiskReplaysTheSameRequestTheSameWay() {
    drv.init();
    ram.write(DATA, pattern(BSIZE, 8), 0, BSIZE);
    PhysicalMemory.Snapshot mem = ram.snapshot();
    medium.snapshot();
    VirtioBlock.Snapshot s = dev.snapshot();
    int usedIdx = drv.usedIdx;
    boolean[] free = drv.free.clone();

    assertThat(drv.rw(true, 20, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    byte[] usedAfter = ramBytes(VirtioDriver.USED, 64);

    ram.reset(mem);
    medium.reset();
    dev.restore(s);
    drv.usedIdx = usedIdx;
    System.arraycopy(free, 0, drv.free, 0, NUM);
    assertThat(block(medium, 10)).isEqualTo(new byte[BSIZE]);
    assertThat(drv.rw(true, 20, DATA, BSIZE)).isEqualTo(VirtioBlock.STATUS_OK);
    assertThat(ramBytes(VirtioDriver.USED, 64)).isEqualTo(usedAfter);
    assertThat(block(medium, 10)).isEqualTo(pattern(BSIZE, 8));
  }
}
