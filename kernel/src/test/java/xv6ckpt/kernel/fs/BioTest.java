package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;

class BioTest {
  private final FaultInjectingBlockDevice disk =
      new FaultInjectingBlockDevice(new MemoryBlockDevice(FsFormat.BSIZE, 64));

  private void touch(Bio bio, long b) {
    bio.brelse(bio.bread(b));
  }

  @Test
  void cachedBlocksAreNotReadAgainAndTheLeastRecentlyReleasedIsRecycled() {
    Bio bio = new Bio(disk, 3);
    touch(bio, 1);
    touch(bio, 2);
    touch(bio, 3);
    touch(bio, 1); // 1 is now the most recent; 2 the least
    assertThat(disk.reads()).isEqualTo(3);
    touch(bio, 4); // recycles 2's buffer
    touch(bio, 1);
    touch(bio, 3);
    assertThat(disk.reads()).isEqualTo(4);
    touch(bio, 2);
    assertThat(disk.reads()).isEqualTo(5);
  }

  @Test
  void pinnedBuffersStayAndAFullCachePanics() {
    Bio bio = new Bio(disk, 2);
    Buf a = bio.bread(10);
    bio.bpin(a);
    bio.brelse(a);
    touch(bio, 11);
    touch(bio, 12); // may only recycle 11's buffer
    touch(bio, 10);
    assertThat(disk.reads()).isEqualTo(3);
    Buf held = bio.bread(13);
    KernelPanic p = assertThrows(KernelPanic.class, () -> bio.bread(14));
    assertThat(p.panicMessage()).isEqualTo("bget: no buffers");
    bio.brelse(held);
    bio.bunpin(a);
    touch(bio, 14);
    touch(bio, 15);
  }

  /** After forgetAll the cache is a new one: held buffers are free, every block read again. */
  @Test
  void forgetAllEmptiesTheCacheEvenOfHeldBuffers() {
    Bio bio = new Bio(disk, 2);
    touch(bio, 5);
    Buf held = bio.bread(6);
    bio.bpin(held);
    held.data()[0] = 99; // changed in the cache, never written
    bio.forgetAll();
    assertThat(bio.diskReads()).isEqualTo(0);
    Buf a = bio.bread(6); // both buffers are free again: no "no buffers" panic
    Buf b = bio.bread(7);
    assertThat(a.data()[0]).isEqualTo(0); // the disk's contents, not the cache's
    assertThat(bio.diskReads()).isEqualTo(2);
    bio.brelse(a);
    bio.brelse(b);
    touch(bio, 5);
    assertThat(disk.reads()).isEqualTo(5); // 5 and 6 before, 6, 7 and 5 again after
  }

  @Test
  void misuseIsAPanic() {
    Bio bio = new Bio(disk, 4);
    Buf b = bio.bread(5);
    assertThat(assertThrows(KernelPanic.class, () -> bio.bread(5)).panicMessage())
        .contains("already locked");
    bio.brelse(b);
    assertThat(assertThrows(KernelPanic.class, () -> bio.brelse(b)).panicMessage())
        .isEqualTo("brelse");
    assertThat(assertThrows(KernelPanic.class, () -> bio.bwrite(b)).panicMessage())
        .isEqualTo("bwrite");
    assertThat(assertThrows(KernelPanic.class, () -> bio.bread(64)).panicMessage())
        .contains("outside the disk of 64 blocks");
  }

  @Test
  void diskErrorsBecomePanicsAndTheBufferIsNotLeft() {
    Bio bio = new Bio(disk, 1);
    disk.failRead(1);
    KernelPanic p = assertThrows(KernelPanic.class, () -> bio.bread(7));
    assertThat(p.panicMessage()).contains("read of block 7 failed");
    touch(bio, 7); // the one buffer is free again and reads the block
    Buf w = bio.bread(8);
    disk.failWritesOfBlock(8);
    assertThat(assertThrows(KernelPanic.class, () -> bio.bwrite(w)).panicMessage())
        .contains("write of block 8 failed");
  }
}
