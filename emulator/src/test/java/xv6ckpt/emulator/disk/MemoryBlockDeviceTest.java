package xv6ckpt.emulator.disk;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MemoryBlockDeviceTest {

  private static byte[] filled(int size, int value) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void unwrittenBlocksReadAsZeros() {
    MemoryBlockDevice d = new MemoryBlockDevice(512, 4);
    byte[] buf = filled(512, 7);
    d.read(3, buf);
    assertThat(buf).isEqualTo(new byte[512]);
  }

  @Test
  void writeThenReadReturnsTheDataAndTheCallerMayReuseItsBuffer() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 4);
    byte[] src = filled(16, 5);
    d.write(2, src);
    src[0] = 9; // must not change the disk
    byte[] dst = new byte[16];
    d.read(2, dst);
    assertThat(dst).isEqualTo(filled(16, 5));
    d.write(2, filled(16, 6)); // second write to the same block goes in place
    d.read(2, dst);
    assertThat(dst).isEqualTo(filled(16, 6));
  }

  /** A count of writes, rewrites of one block included, that no snapshot or reset winds back. */
  @Test
  void writesCountsEveryBlockWritten() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 8);
    d.write(1, filled(16, 1));
    d.snapshot();
    d.write(1, filled(16, 2));
    d.write(1, filled(16, 2));
    d.read(1, new byte[16]);
    assertThat(d.writes()).isEqualTo(3);
    d.reset();
    assertThat(d.writes()).isEqualTo(3);
  }

  @Test
  void writtenBlocksAreThoseWrittenSinceTheSnapshotOrReset() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 8);
    d.write(6, new byte[16]);
    assertThat(d.writtenBlocks()).isEmpty(); // no snapshot yet
    d.snapshot();
    d.write(5, new byte[16]);
    d.write(2, new byte[16]);
    d.write(5, new byte[16]);
    assertThat(d.writtenBlocks()).asList().containsExactly(2L, 5L).inOrder();
    d.reset();
    assertThat(d.writtenBlocks()).isEmpty();
    d.write(7, new byte[16]);
    assertThat(d.writtenBlocks()).asList().containsExactly(7L);
  }

  @Test
  void imageConstructorAndContentsRoundTrip() {
    byte[] image = new byte[64];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 3 + 1);
    }
    MemoryBlockDevice d = new MemoryBlockDevice(16, image);
    assertThat(d.blockCount()).isEqualTo(4);
    byte[] dst = new byte[16];
    d.read(1, dst);
    assertThat(dst).isEqualTo(java.util.Arrays.copyOfRange(image, 16, 32));
    byte[] copy = d.contents();
    assertThat(copy).isEqualTo(image);
    copy[0] = 0;
    assertThat(d.contents()[0]).isEqualTo(image[0]);
  }

  @Test
  void imageThatIsNotWholeBlocksIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(16, new byte[20]));
    assertThat(e).hasMessageThat().contains("20 bytes");
  }

  @Test
  void outOfRangeBlockAndWrongBufferSizeAreRejected() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 4);
    assertThrows(IllegalArgumentException.class, () -> d.read(4, new byte[16]));
    assertThrows(IllegalArgumentException.class, () -> d.write(-1, new byte[16]));
    assertThrows(IllegalArgumentException.class, () -> d.write(0, new byte[15]));
  }

  @Test
  void resetRestoresTheSnapshotRepeatedly() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 8);
    d.write(1, filled(16, 1));
    d.snapshot();
    d.write(1, filled(16, 2));
    d.write(1, filled(16, 3));
    d.write(5, filled(16, 4));
    assertThat(d.dirtyBlocks()).isEqualTo(2);
    d.reset();
    assertThat(d.dirtyBlocks()).isEqualTo(0);
    byte[] expected = new byte[128];
    java.util.Arrays.fill(expected, 16, 32, (byte) 1);
    assertThat(d.contents()).isEqualTo(expected);
    d.write(1, filled(16, 8));
    d.reset();
    assertThat(d.contents()).isEqualTo(expected);
  }

  @Test
  void resetOfALargeDiskTouchesOnlyTheWrittenBlocks() {
    // 64 MiB of 1 KiB blocks: a reset must be proportional to the 3 written blocks.
    MemoryBlockDevice d = new MemoryBlockDevice(1024, 65536);
    d.snapshot();
    d.write(0, filled(1024, 1));
    d.write(40000, filled(1024, 2));
    d.write(65535, filled(1024, 3));
    assertThat(d.dirtyBlocks()).isEqualTo(3);
    d.reset();
    byte[] buf = new byte[1024];
    d.read(40000, buf);
    assertThat(buf).isEqualTo(new byte[1024]);
  }

  @Test
  void resetWithoutSnapshotIsAnError() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 1);
    assertThrows(IllegalStateException.class, d::reset);
  }

  @Test
  void closedDeviceRefusesAccess() {
    MemoryBlockDevice d = new MemoryBlockDevice(16, 1);
    d.close();
    assertThrows(IllegalStateException.class, () -> d.read(0, new byte[16]));
  }
}
