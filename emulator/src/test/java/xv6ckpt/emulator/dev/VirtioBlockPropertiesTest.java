package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/**
 * The virtio disk against a byte array: generated batches of reads and writes (any sector, any
 * length, some past the end or not whole sectors), submitted as xv6 submits them, give the statuses
 * and the bytes the array says, and leave the medium equal to it.
 */
class VirtioBlockPropertiesTest {

  private static final int BSIZE = 1024;
  private static final int BLOCKS = 16;
  private static final long CAPACITY = 2L * BLOCKS; // sectors

  /** One request: its data is a pattern drawn from {@code seed}. */
  record Request(boolean write, long sector, int length, int seed) {
    boolean valid() {
      return length % 512 == 0 && sector + length / 512 <= CAPACITY;
    }
  }

  @Property(tries = 300)
  void requestSequencesBehaveLikeAnArrayOfSectors(@ForAll("batches") List<List<Request>> batches) {
    PhysicalMemory ram = new PhysicalMemory(1 << 20);
    MemoryBlockDevice medium = new MemoryBlockDevice(BSIZE, BLOCKS);
    VirtioDriver drv = new VirtioDriver(ram, new VirtioBlock(ram, medium, level -> {}));
    drv.init();
    byte[] model = new byte[BSIZE * BLOCKS];
    for (List<Request> batch : batches) {
      List<Integer> heads = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        Request r = batch.get(i);
        long buf = VirtioDriver.DATA + 0x1000L * i;
        if (r.write()) {
          ram.write(buf, pattern(r.length(), r.seed()), 0, r.length());
        } else {
          ram.fill(buf, r.length(), (byte) 0xee);
        }
        heads.add(drv.queue(r.write(), r.sector(), buf, r.length()));
      }
      drv.notifyQueue();
      assertWithMessage("completion order")
          .that(drv.intr())
          .containsExactlyElementsIn(heads)
          .inOrder();
      for (int i = 0; i < batch.size(); i++) {
        check(batch.get(i), heads.get(i), VirtioDriver.DATA + 0x1000L * i, drv, ram, model);
      }
    }
    byte[] disk = new byte[BSIZE * BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
      byte[] one = new byte[BSIZE];
      medium.read(b, one);
      System.arraycopy(one, 0, disk, b * BSIZE, BSIZE);
    }
    assertWithMessage("the medium").that(disk).isEqualTo(model);
  }

  /** Requests of a batch are served in order, so the model applies them in order too. */
  private static void check(
      Request r, int head, long buf, VirtioDriver drv, PhysicalMemory ram, byte[] model) {
    Statistics.label("request").collect(r.write() ? "write" : "read", r.valid() ? "ok" : "ioerr");
    int want = r.valid() ? VirtioBlock.STATUS_OK : VirtioBlock.STATUS_IOERR;
    assertWithMessage("status of %s", r).that(drv.status(head)).isEqualTo(want);
    if (!r.valid()) {
      return;
    }
    int at = (int) (r.sector() * 512);
    if (r.write()) {
      System.arraycopy(pattern(r.length(), r.seed()), 0, model, at, r.length());
    } else {
      byte[] got = new byte[r.length()];
      ram.read(buf, got, 0, r.length());
      assertWithMessage("data of %s", r)
          .that(got)
          .isEqualTo(Arrays.copyOfRange(model, at, at + r.length()));
    }
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed + i * 13 + (i >>> 8));
    }
    return b;
  }

  @Provide
  Arbitrary<List<List<Request>>> batches() {
    Arbitrary<Long> sector = Arbitraries.longs().between(0, CAPACITY + 2);
    Arbitrary<Integer> length =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(9, Arbitraries.integers().between(0, 4).map(n -> 512 * n)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 2047)));
    Arbitrary<Request> request =
        Combinators.combine(Arbitraries.of(true, false), sector, length, Arbitraries.integers())
            .as(Request::new);
    // Two at a time: xv6's eight descriptors hold two three-descriptor requests.
    return request.list().ofMinSize(1).ofMaxSize(2).list().ofMinSize(1).ofMaxSize(40);
  }
}
