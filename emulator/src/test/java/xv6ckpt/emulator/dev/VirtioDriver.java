package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;

import java.util.ArrayList;
import java.util.List;
import xv6ckpt.emulator.PhysicalMemory;

/**
 * A test driver for {@link VirtioBlock} that performs what xv6's virtio_disk.c does, in our own
 * code: the init sequence, three-descriptor requests, the notify, and the interrupt handler (ack,
 * then walk the used ring). Memory layout: descriptor table, avail and used rings on their own
 * pages, request headers and status bytes on a fourth, data buffers from {@link #DATA} on.
 */
final class VirtioDriver {

  static final int NUM = 8;
  static final long DESC = PhysicalMemory.BASE;
  static final long AVAIL = DESC + 0x1000;
  static final long USED = DESC + 0x2000;
  static final long OPS = DESC + 0x3000; // 16-byte headers, one per descriptor
  static final long STATUS = DESC + 0x3800; // status bytes, one per descriptor
  static final long DATA = DESC + 0x10000;

  final PhysicalMemory ram;
  final VirtioBlock dev;
  final boolean[] free = new boolean[NUM];
  int usedIdx;

  VirtioDriver(PhysicalMemory ram, VirtioBlock dev) {
    this.ram = ram;
    this.dev = dev;
  }

  int reg(int offset) {
    return (int) dev.read(offset, 4);
  }

  void set(int offset, long value) {
    dev.write(offset, 4, value);
  }

  /** virtio_disk_init: identify, reset, negotiate, set up queue 0, DRIVER_OK. */
  void init() {
    assertThat(reg(VirtioBlock.MAGIC_VALUE)).isEqualTo(0x74726976);
    assertThat(reg(VirtioBlock.VERSION)).isEqualTo(2);
    assertThat(reg(VirtioBlock.DEVICE_ID)).isEqualTo(2);
    assertThat(reg(VirtioBlock.VENDOR_ID)).isEqualTo(0x554d4551);
    int status = 0;
    set(VirtioBlock.STATUS, status);
    status |= VirtioBlock.S_ACKNOWLEDGE;
    set(VirtioBlock.STATUS, status);
    status |= VirtioBlock.S_DRIVER;
    set(VirtioBlock.STATUS, status);
    int features = reg(VirtioBlock.DEVICE_FEATURES);
    int refused = (1 << 5) | (1 << 7) | (1 << 11) | (1 << 12) | (1 << 27) | (1 << 28) | (1 << 29);
    set(VirtioBlock.DRIVER_FEATURES, features & ~refused);
    status |= VirtioBlock.S_FEATURES_OK;
    set(VirtioBlock.STATUS, status);
    assertThat(reg(VirtioBlock.STATUS) & VirtioBlock.S_FEATURES_OK).isNotEqualTo(0);
    set(VirtioBlock.QUEUE_SEL, 0);
    assertThat(reg(VirtioBlock.QUEUE_READY)).isEqualTo(0);
    assertThat(reg(VirtioBlock.QUEUE_NUM_MAX_REG)).isAtLeast(NUM);
    ram.fill(DESC, 0x3000, (byte) 0);
    set(VirtioBlock.QUEUE_NUM, NUM);
    setQueue(DESC, AVAIL, USED);
    set(VirtioBlock.QUEUE_READY, 1);
    java.util.Arrays.fill(free, true);
    status |= VirtioBlock.S_DRIVER_OK;
    set(VirtioBlock.STATUS, status);
  }

  void setQueue(long desc, long avail, long used) {
    set(VirtioBlock.QUEUE_DESC_LOW, desc);
    set(VirtioBlock.QUEUE_DESC_HIGH, desc >>> 32);
    set(VirtioBlock.DRIVER_DESC_LOW, avail);
    set(VirtioBlock.DRIVER_DESC_HIGH, avail >>> 32);
    set(VirtioBlock.DEVICE_DESC_LOW, used);
    set(VirtioBlock.DEVICE_DESC_HIGH, used >>> 32);
  }

  int alloc() {
    for (int i = 0; i < NUM; i++) {
      if (free[i]) {
        free[i] = false;
        return i;
      }
    }
    throw new AssertionError("no free descriptor");
  }

  void desc(int i, long addr, int len, int flags, int next) {
    long d = DESC + 16L * i;
    ram.write64(d, addr);
    ram.write32(d + 8, len);
    ram.write16(d + 12, (short) flags);
    ram.write16(d + 14, (short) next);
  }

  /**
   * Queues one xv6-shaped request (header, data, status) without notifying; returns its head. The
   * status byte starts at 0xff, as xv6 sets it, so a request the device never served shows.
   */
  int queue(boolean write, long sector, long data, int len) {
    int[] idx = {alloc(), alloc(), alloc()};
    long op = OPS + 16L * idx[0];
    ram.write32(op, write ? VirtioBlock.T_OUT : VirtioBlock.T_IN);
    ram.write32(op + 4, 0);
    ram.write64(op + 8, sector);
    desc(idx[0], op, 16, VirtioBlock.DESC_F_NEXT, idx[1]);
    int dataFlags = (write ? 0 : VirtioBlock.DESC_F_WRITE) | VirtioBlock.DESC_F_NEXT;
    desc(idx[1], data, len, dataFlags, idx[2]);
    ram.write8(STATUS + idx[0], (byte) 0xff);
    desc(idx[2], STATUS + idx[0], 1, VirtioBlock.DESC_F_WRITE, 0);
    publish(idx[0]);
    return idx[0];
  }

  /** Puts a chain head in the avail ring and advances its index. */
  void publish(int head) {
    int idx = Short.toUnsignedInt(ram.read16(AVAIL + 2));
    ram.write16(AVAIL + 4 + 2L * (idx % NUM), (short) head);
    ram.write16(AVAIL + 2, (short) (idx + 1));
  }

  void notifyQueue() {
    set(VirtioBlock.QUEUE_NOTIFY, 0);
  }

  /** virtio_disk_intr: ack, then every new used entry; frees the chains, returns their heads. */
  List<Integer> intr() {
    set(VirtioBlock.INTERRUPT_ACK, reg(VirtioBlock.INTERRUPT_STATUS) & 3);
    List<Integer> done = new ArrayList<>();
    while (usedIdx != Short.toUnsignedInt(ram.read16(USED + 2))) {
      int id = ram.read32(USED + 4 + 8L * (usedIdx % NUM));
      done.add(id);
      freeChain(id);
      usedIdx = (usedIdx + 1) & 0xffff;
    }
    return done;
  }

  void freeChain(int i) {
    while (true) {
      free[i] = true;
      int flags = ram.read16(DESC + 16L * i + 12);
      if ((flags & VirtioBlock.DESC_F_NEXT) == 0) {
        return;
      }
      i = ram.read16(DESC + 16L * i + 14);
    }
  }

  int status(int head) {
    return ram.read8(STATUS + head) & 0xff;
  }

  /** One request start to finish, as virtio_disk_rw; returns its status byte. */
  int rw(boolean write, long sector, long data, int len) {
    int head = queue(write, sector, data, len);
    notifyQueue();
    assertThat(intr()).containsExactly(head);
    return status(head);
  }
}
