package xv6ckpt.emulator.dev;

import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.DiskIoException;

/**
 * The disk of the QEMU {@code virt} board: a virtio block device on the virtio-mmio transport,
 * modern interface (version 2, QEMU's {@code virtio-mmio.force-legacy=false}), one split virtqueue,
 * backed by a {@link BlockDevice}.
 *
 * <p>Window: {@link #VIRT_BASE} (0x1000_1000), {@link #SIZE} bytes; interrupt source {@link
 * #VIRT_IRQ} (1) on the PLIC. Control registers are 32 bits wide and answer only 4-byte accesses
 * (the transport's rule; others read 0 and write nothing); the configuration space at 0x100 (the
 * capacity in 512-byte sectors, 64 bits) answers any width.
 *
 * <p>Features offered: VIRTIO_F_VERSION_1 (bit 32; a modern device must offer it) and
 * VIRTIO_BLK_F_FLUSH (bit 9; a flush has nothing to do, since a {@link BlockDevice} write is on the
 * medium when it returns). xv6 clears the bits it refuses and acknowledges only the low word, so it
 * never accepts VERSION_1; the spec lets a device go on regardless, and QEMU does, so this one does
 * too. FEATURES_OK is refused (reads back clear) only if the driver accepts a feature that was not
 * offered.
 *
 * <p>Requests are processed in ring order during the write to QueueNotify, so a request is done,
 * its used-ring entry written and the interrupt raised before the notifying store retires: no
 * latency, no host threads, nothing to schedule. A request is a descriptor chain, device-readable
 * descriptors first (the 16-byte header: type, reserved, sector; then the data of a write) and
 * device-writable ones after (the data of a read, then the status byte); any split into descriptors
 * is accepted, xv6's three (header, data, status) being one. Sectors are 512 bytes; the medium's
 * blocks (1024 bytes for an xv6 disk) are mapped exactly: sector s is bytes [512s, 512s + 512) of
 * the medium, and a write that covers part of a block reads, patches and writes that block.
 *
 * <p>Status byte: OK; IOERR for a read or write whose data is not whole sectors or reaches past the
 * capacity (nothing is transferred), or whose medium access throws {@link DiskIoException} (an
 * injected fault: the transfer stops at the failing block; blocks written before it stay written,
 * as on a real disk); UNSUPP for other request types. xv6's virtio_disk_intr panics
 * ("virtio_disk_intr status") on any status but OK: an I/O fault injected under xv6 ends in its
 * panic, as in our Java kernel. A power cut ({@code FaultInjectingBlockDevice}) needs nothing here:
 * each block write reaches the medium or not, in request order, and the medium keeps exactly the
 * writes made before the cut.
 *
 * <p>Guest mistakes never throw. A queue made ready with a size that is not a power of two (or is 0
 * or above {@link #QUEUE_NUM_MAX}) or with rings outside RAM or misaligned, and a chain that leaves
 * RAM, loops (more links than the queue has descriptors), names a descriptor past the queue, uses
 * an indirect table (not offered), puts a readable descriptor after a writable one, or is too short
 * for the header and status: each sets DEVICE_NEEDS_RESET in Status (with a configuration-change
 * interrupt once the driver is running), and the device processes nothing more until the driver
 * resets it by writing 0 to Status. A notification before DRIVER_OK or for another queue is
 * ignored.
 *
 * <p>The disk's contents are not part of {@link #snapshot()}: the machine snapshots its block
 * device beside the devices (e.g. {@code MemoryBlockDevice.snapshot}), as it does RAM.
 */
public final class VirtioBlock implements Mmio {

  /** Physical base address on the QEMU {@code virt} board (xv6's VIRTIO0). */
  public static final long VIRT_BASE = 0x1000_1000L;

  /** Bytes of address space (xv6 maps one page). */
  public static final long SIZE = 0x1000;

  /** PLIC source of the disk on the virt board (xv6's VIRTIO0_IRQ). */
  public static final int VIRT_IRQ = 1;

  // virtio-mmio registers (xv6's virtio.h names, without the VIRTIO_MMIO_ prefix).
  public static final int MAGIC_VALUE = 0x000;
  public static final int VERSION = 0x004;
  public static final int DEVICE_ID = 0x008;
  public static final int VENDOR_ID = 0x00c;
  public static final int DEVICE_FEATURES = 0x010;
  public static final int DEVICE_FEATURES_SEL = 0x014;
  public static final int DRIVER_FEATURES = 0x020;
  public static final int DRIVER_FEATURES_SEL = 0x024;
  public static final int QUEUE_SEL = 0x030;
  public static final int QUEUE_NUM_MAX_REG = 0x034;
  public static final int QUEUE_NUM = 0x038;
  public static final int QUEUE_READY = 0x044;
  public static final int QUEUE_NOTIFY = 0x050;
  public static final int INTERRUPT_STATUS = 0x060;
  public static final int INTERRUPT_ACK = 0x064;
  public static final int STATUS = 0x070;
  public static final int QUEUE_DESC_LOW = 0x080;
  public static final int QUEUE_DESC_HIGH = 0x084;
  public static final int DRIVER_DESC_LOW = 0x090;
  public static final int DRIVER_DESC_HIGH = 0x094;
  public static final int DEVICE_DESC_LOW = 0x0a0;
  public static final int DEVICE_DESC_HIGH = 0x0a4;
  public static final int SHM_LEN_LOW = 0x0b0;
  public static final int SHM_LEN_HIGH = 0x0b4;
  public static final int SHM_BASE_LOW = 0x0b8;
  public static final int SHM_BASE_HIGH = 0x0bc;
  public static final int CONFIG_GENERATION = 0x0fc;
  public static final int CONFIG = 0x100;

  public static final int MAGIC = 0x7472_6976; // "virt"
  public static final int BLOCK_DEVICE_ID = 2;
  public static final int VENDOR_QEMU = 0x554d_4551; // "QEMU", which xv6 checks

  // Status bits.
  public static final int S_ACKNOWLEDGE = 1;
  public static final int S_DRIVER = 2;
  public static final int S_DRIVER_OK = 4;
  public static final int S_FEATURES_OK = 8;
  public static final int S_NEEDS_RESET = 64;
  public static final int S_FAILED = 128;

  // Feature bits.
  public static final int F_BLK_FLUSH = 9;
  public static final int F_VERSION_1 = 32;
  public static final long OFFERED = (1L << F_VERSION_1) | (1L << F_BLK_FLUSH);

  /** Largest queue size offered (QEMU's default for virtio-blk); xv6 uses 8. */
  public static final int QUEUE_NUM_MAX = 256;

  // Interrupt status bits.
  public static final int INT_USED_BUFFER = 1;
  public static final int INT_CONFIG_CHANGE = 2;

  // Descriptor flags and the avail ring's no-interrupt flag.
  public static final int DESC_F_NEXT = 1;
  public static final int DESC_F_WRITE = 2;
  public static final int DESC_F_INDIRECT = 4;
  public static final int AVAIL_F_NO_INTERRUPT = 1;

  // Request types and status values (virtio 1.x, 5.2.6).
  public static final int T_IN = 0;
  public static final int T_OUT = 1;
  public static final int T_FLUSH = 4;
  public static final int STATUS_OK = 0;
  public static final int STATUS_IOERR = 1;
  public static final int STATUS_UNSUPP = 2;

  public static final int SECTOR = 512;
  private static final int HEADER = 16;

  private final PhysicalMemory ram;
  private final BlockDevice disk;
  private final IrqLine irq;
  private final long capacity; // in sectors
  private final byte[] block;

  // Transport state (all of it is in the snapshot).
  private int status;
  private int deviceFeaturesSel;
  private int driverFeaturesSel;
  private long driverFeatures;
  private int queueSel;
  private int queueNum;
  private boolean queueReady;
  private long descAddr;
  private long availAddr;
  private long usedAddr;
  private int lastAvail; // next avail ring index to take, mod 2^16
  private int usedIdx; // next used ring index to fill, mod 2^16
  private int interruptStatus;

  /**
   * @param ram where the rings and buffers live (DMA)
   * @param disk the medium; its block size must be a multiple of 512
   * @param irq the device's line to the PLIC (source {@link #VIRT_IRQ} on the virt board)
   */
  public VirtioBlock(PhysicalMemory ram, BlockDevice disk, IrqLine irq) {
    if (disk.blockSize() <= 0 || disk.blockSize() % SECTOR != 0) {
      throw new IllegalArgumentException(
          "block size " + disk.blockSize() + " is not a multiple of the 512-byte sector");
    }
    this.ram = ram;
    this.disk = disk;
    this.irq = irq;
    this.capacity = disk.blockCount() * (disk.blockSize() / SECTOR);
    this.block = new byte[disk.blockSize()];
  }

  /** Capacity in 512-byte sectors, as the configuration space reports it. */
  public long capacity() {
    return capacity;
  }

  /** The Status register as the driver reads it. */
  public int status() {
    return status;
  }

  /** The level of the interrupt line: true while InterruptStatus has an unacknowledged bit. */
  public boolean interruptPending() {
    return interruptStatus != 0;
  }

  // ---------------------------------------------------------------- registers

  @Override
  public long size() {
    return SIZE;
  }

  @Override
  public long read(long offset, int width) {
    if (offset >= CONFIG) {
      return readConfig(offset - CONFIG, width);
    }
    return width == 4 ? readRegister((int) offset) & 0xffff_ffffL : 0;
  }

  private int readRegister(int offset) {
    switch (offset) {
      case MAGIC_VALUE:
        return MAGIC;
      case VERSION:
        return 2;
      case DEVICE_ID:
        return BLOCK_DEVICE_ID;
      case VENDOR_ID:
        return VENDOR_QEMU;
      case DEVICE_FEATURES:
        return deviceFeaturesSel == 0 || deviceFeaturesSel == 1
            ? (int) (OFFERED >>> (32 * deviceFeaturesSel))
            : 0; // words past the second: no features (and no negative shift)
      case QUEUE_NUM_MAX_REG:
        return queueSel == 0 ? QUEUE_NUM_MAX : 0;
      case QUEUE_READY:
        return queueSel == 0 && queueReady ? 1 : 0;
      case INTERRUPT_STATUS:
        return interruptStatus;
      case STATUS:
        return status;
      case SHM_LEN_LOW:
      case SHM_LEN_HIGH:
      case SHM_BASE_LOW:
      case SHM_BASE_HIGH:
        return -1; // no shared memory regions
      case CONFIG_GENERATION:
        return 0; // the configuration never changes
      default:
        return 0; // write-only and unknown registers
    }
  }

  /** The configuration space: capacity (le64) at 0; the rest of the block config reads 0. */
  private long readConfig(long at, int width) {
    long v = 0;
    for (int i = width - 1; i >= 0; i--) {
      long b = at + i < 8 ? (capacity >>> (8 * (at + i))) & 0xff : 0;
      v = (v << 8) | b;
    }
    return v;
  }

  @Override
  public void write(long offset, int width, long value) {
    if (width != 4 || offset >= CONFIG) {
      return; // the configuration space is read-only for a block device without WCE
    }
    int v = (int) value;
    switch ((int) offset) {
      case DEVICE_FEATURES_SEL:
        deviceFeaturesSel = v;
        break;
      case DRIVER_FEATURES:
        writeDriverFeatures(v);
        break;
      case DRIVER_FEATURES_SEL:
        driverFeaturesSel = v;
        break;
      case QUEUE_SEL:
        queueSel = v;
        break;
      case QUEUE_NOTIFY:
        notify(v);
        break;
      case INTERRUPT_ACK:
        interruptStatus &= ~v;
        irq.set(interruptPending());
        break;
      case STATUS:
        writeStatus(v);
        break;
      default:
        writeQueueRegister((int) offset, v);
        break;
    }
  }

  private void writeDriverFeatures(int v) {
    if (driverFeaturesSel == 0 || driverFeaturesSel == 1) {
      int shift = 32 * driverFeaturesSel;
      driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((v & 0xffff_ffffL) << shift);
    }
  }

  /** Writing 0 resets the device; FEATURES_OK sticks only for features that were offered. */
  private void writeStatus(int v) {
    if (v == 0) {
      reset();
      return;
    }
    boolean featuresOk = (v & S_FEATURES_OK) != 0 && (driverFeatures & ~OFFERED) == 0;
    status =
        (v & ~(S_FEATURES_OK | S_NEEDS_RESET))
            | (featuresOk ? S_FEATURES_OK : 0)
            | (status & S_NEEDS_RESET);
  }

  private void reset() {
    status = 0;
    deviceFeaturesSel = 0;
    driverFeaturesSel = 0;
    driverFeatures = 0;
    queueSel = 0;
    queueNum = 0;
    queueReady = false;
    descAddr = 0;
    availAddr = 0;
    usedAddr = 0;
    lastAvail = 0;
    usedIdx = 0;
    interruptStatus = 0;
    irq.set(false);
  }

  /** Queue configuration: only queue 0 exists, and it is configured while not ready. */
  private void writeQueueRegister(int offset, int v) {
    if (queueSel != 0) {
      return;
    }
    if (offset == QUEUE_READY) {
      setQueueReady((v & 1) != 0);
      return;
    }
    if (queueReady) {
      return; // the driver must not change a live queue; the device keeps the old values
    }
    long low = v & 0xffff_ffffL;
    long high = low << 32;
    switch (offset) {
      case QUEUE_NUM:
        queueNum = v;
        break;
      case QUEUE_DESC_LOW:
        descAddr = (descAddr & ~0xffff_ffffL) | low;
        break;
      case QUEUE_DESC_HIGH:
        descAddr = (descAddr & 0xffff_ffffL) | high;
        break;
      case DRIVER_DESC_LOW:
        availAddr = (availAddr & ~0xffff_ffffL) | low;
        break;
      case DRIVER_DESC_HIGH:
        availAddr = (availAddr & 0xffff_ffffL) | high;
        break;
      case DEVICE_DESC_LOW:
        usedAddr = (usedAddr & ~0xffff_ffffL) | low;
        break;
      case DEVICE_DESC_HIGH:
        usedAddr = (usedAddr & 0xffff_ffffL) | high;
        break;
      default:
        break;
    }
  }

  private void setQueueReady(boolean ready) {
    if (!ready) {
      queueReady = false;
      return;
    }
    if (!queueReady && !queueLayoutValid()) {
      needsReset();
      return;
    }
    queueReady = true;
  }

  /** Size a power of two within bounds; each ring aligned as the spec says and inside RAM. */
  private boolean queueLayoutValid() {
    return queueNum > 0
        && queueNum <= QUEUE_NUM_MAX
        && Integer.bitCount(queueNum) == 1
        && (descAddr & 15) == 0
        && (availAddr & 1) == 0
        && (usedAddr & 3) == 0
        && ram.contains(descAddr, 16L * queueNum)
        && ram.contains(availAddr, 6 + 2L * queueNum)
        && ram.contains(usedAddr, 6 + 8L * queueNum);
  }

  /** The device cannot go on: it says so and waits for a reset. */
  private void needsReset() {
    status |= S_NEEDS_RESET;
    if ((status & S_DRIVER_OK) != 0) {
      interruptStatus |= INT_CONFIG_CHANGE;
      irq.set(true);
    }
  }

  // ---------------------------------------------------------------- the queue

  /** QueueNotify: take every available request, in ring order, and complete it. */
  private void notify(int queue) {
    if (queue != 0 || !queueReady || (status & (S_DRIVER_OK | S_NEEDS_RESET)) != S_DRIVER_OK) {
      return;
    }
    int availIdx = Short.toUnsignedInt(ram.read16(availAddr + 2));
    if (((availIdx - lastAvail) & 0xffff) > queueNum) {
      needsReset(); // the driver claims more requests than the ring holds
      return;
    }
    boolean completed = false;
    while (lastAvail != availIdx) {
      int head = Short.toUnsignedInt(ram.read16(availAddr + 4 + 2L * (lastAvail % queueNum)));
      Chain chain = Chain.walk(ram, descAddr, queueNum, head);
      if (chain == null) {
        needsReset();
        break;
      }
      int written = serve(chain);
      pushUsed(head, written);
      lastAvail = (lastAvail + 1) & 0xffff;
      completed = true;
    }
    boolean quiet = (ram.read16(availAddr) & AVAIL_F_NO_INTERRUPT) != 0;
    if (completed && !quiet) {
      interruptStatus |= INT_USED_BUFFER;
      irq.set(true);
    }
  }

  /** Writes the used-ring entry, then publishes it by advancing the used index. */
  private void pushUsed(int head, int written) {
    long entry = usedAddr + 4 + 8L * (usedIdx % queueNum);
    ram.write32(entry, head);
    ram.write32(entry + 4, written);
    usedIdx = (usedIdx + 1) & 0xffff;
    ram.write16(usedAddr + 2, (short) usedIdx);
  }

  /** Performs one request; returns the bytes written into the chain (data read, status). */
  private int serve(Chain c) {
    int type = c.readable.read32(ram, 0);
    long sector = c.readable.read64(ram, 8);
    long bytes;
    int st;
    switch (type) {
      case T_IN:
        bytes = c.writable.total - 1;
        st = inRange(sector, bytes) ? transfer(sector, bytes, c.writable, 0, false) : STATUS_IOERR;
        break;
      case T_OUT:
        bytes = c.readable.total - HEADER;
        st =
            inRange(sector, bytes)
                ? transfer(sector, bytes, c.readable, HEADER, true)
                : STATUS_IOERR;
        break;
      case T_FLUSH:
        st = STATUS_OK; // a returned BlockDevice write is already on the medium
        break;
      default:
        st = STATUS_UNSUPP;
        break;
    }
    c.writable.write8(ram, c.writable.total - 1, st);
    return type == T_IN && st == STATUS_OK ? (int) c.writable.total : 1;
  }

  /** Whole sectors, all of them below the capacity. */
  private boolean inRange(long sector, long bytes) {
    return bytes % SECTOR == 0
        && Long.compareUnsigned(sector, capacity) <= 0
        && bytes / SECTOR <= capacity - sector;
  }

  /**
   * Moves {@code bytes} between the medium from sector {@code sector} on and the chain's buffers
   * from {@code at} on, block by block; a write covering part of a block reads it first.
   */
  private int transfer(long sector, long bytes, Buffers buf, long at, boolean toDisk) {
    int bs = block.length;
    long pos = sector * SECTOR; // byte position on the medium
    long end = pos + bytes;
    try {
      while (pos < end) {
        long blockno = pos / bs;
        int from = (int) (pos % bs);
        int n = (int) Math.min(bs - from, end - pos);
        if (toDisk) {
          if (n < bs) {
            disk.read(blockno, block);
          }
          buf.copy(ram, at, block, from, n, false);
          disk.write(blockno, block);
        } else {
          disk.read(blockno, block);
          buf.copy(ram, at, block, from, n, true);
        }
        pos += n;
        at += n;
      }
    } catch (DiskIoException e) {
      return STATUS_IOERR;
    }
    return STATUS_OK;
  }

  /**
   * A request's descriptor chain, split as the device sees it: the device-readable buffers in
   * order, then the device-writable ones.
   */
  private record Chain(Buffers readable, Buffers writable) {

    /** Walks the chain from {@code head}; null if it is malformed (see the class comment). */
    static Chain walk(PhysicalMemory ram, long table, int num, int head) {
      Buffers readable = new Buffers();
      Buffers writable = new Buffers();
      int i = head;
      for (int links = 0; ; links++) {
        if (i >= num || links >= num) {
          return null; // outside the table, or a loop
        }
        long d = table + 16L * i;
        long addr = ram.read64(d);
        long len = Integer.toUnsignedLong(ram.read32(d + 8));
        int flags = Short.toUnsignedInt(ram.read16(d + 12));
        boolean write = (flags & DESC_F_WRITE) != 0;
        if ((flags & DESC_F_INDIRECT) != 0
            || !ram.contains(addr, len)
            || (!write && writable.count > 0)) {
          return null;
        }
        (write ? writable : readable).add(addr, len);
        if ((flags & DESC_F_NEXT) == 0) {
          break;
        }
        i = Short.toUnsignedInt(ram.read16(d + 14));
      }
      return readable.total >= HEADER && writable.total >= 1 ? new Chain(readable, writable) : null;
    }
  }

  /** Guest buffers seen as one byte stream (scatter-gather), addressed by stream offset. */
  private static final class Buffers {
    private long[] addr = new long[4];
    private long[] len = new long[4];
    private int count;
    long total;

    void add(long a, long n) {
      if (count == addr.length) {
        addr = java.util.Arrays.copyOf(addr, 2 * count);
        len = java.util.Arrays.copyOf(len, 2 * count);
      }
      addr[count] = a;
      len[count] = n;
      count++;
      total += n;
    }

    /** Copies n bytes between stream offset {@code at} and {@code b[off ..]}. */
    void copy(PhysicalMemory ram, long at, byte[] b, int off, int n, boolean toGuest) {
      for (int i = 0; i < count && n > 0; i++) {
        if (at >= len[i]) {
          at -= len[i];
          continue;
        }
        int k = (int) Math.min(n, len[i] - at);
        if (toGuest) {
          ram.write(addr[i] + at, b, off, k);
        } else {
          ram.read(addr[i] + at, b, off, k);
        }
        off += k;
        n -= k;
        at = 0;
      }
    }

    int read32(PhysicalMemory ram, long at) {
      byte[] b = new byte[4];
      copy(ram, at, b, 0, 4, false);
      return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    long read64(PhysicalMemory ram, long at) {
      return Integer.toUnsignedLong(read32(ram, at)) | (long) read32(ram, at + 4) << 32;
    }

    void write8(PhysicalMemory ram, long at, int v) {
      copy(ram, at, new byte[] {(byte) v}, 0, 1, true);
    }
  }

  // ---------------------------------------------------------------- snapshots

  /** The transport's whole state (the disk's contents are not in it: see the class comment). */
  public record Snapshot(
      int status,
      int deviceFeaturesSel,
      int driverFeaturesSel,
      long driverFeatures,
      int queueSel,
      int queueNum,
      boolean queueReady,
      long descAddr,
      long availAddr,
      long usedAddr,
      int lastAvail,
      int usedIdx,
      int interruptStatus) {}

  public Snapshot snapshot() {
    return new Snapshot(
        status,
        deviceFeaturesSel,
        driverFeaturesSel,
        driverFeatures,
        queueSel,
        queueNum,
        queueReady,
        descAddr,
        availAddr,
        usedAddr,
        lastAvail,
        usedIdx,
        interruptStatus);
  }

  /** Returns to {@code s} and drives the interrupt line to the level it had. */
  public void restore(Snapshot s) {
    status = s.status;
    deviceFeaturesSel = s.deviceFeaturesSel;
    driverFeaturesSel = s.driverFeaturesSel;
    driverFeatures = s.driverFeatures;
    queueSel = s.queueSel;
    queueNum = s.queueNum;
    queueReady = s.queueReady;
    descAddr = s.descAddr;
    availAddr = s.availAddr;
    usedAddr = s.usedAddr;
    lastAvail = s.lastAvail;
    usedIdx = s.usedIdx;
    interruptStatus = s.interruptStatus;
    irq.set(interruptPending());
  }
}
