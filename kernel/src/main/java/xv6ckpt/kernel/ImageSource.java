package xv6ckpt.kernel;

import static xv6ckpt.kernel.CheckpointImage.COMMIT_SIZE;
import static xv6ckpt.kernel.CheckpointImage.PGSIZE;
import static xv6ckpt.kernel.CheckpointImage.commitRecord;
import static xv6ckpt.kernel.CheckpointImage.encodeFront;

import java.util.zip.CRC32C;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.kernel.CheckpointImage.Image;
import xv6ckpt.kernel.fs.ByteSource;

/**
 * A checkpoint image as a stream of bytes for writei ({@link Checkpoint}), computed as it is asked
 * for: the front (header to padding) from an array, the page data straight from the frames, the
 * commit record last. The CRC-32C accumulates over every byte handed out; writei asks for each byte
 * once, in order, which is checked.
 */
final class ImageSource implements ByteSource {
  private final PhysicalMemory mem;
  private final byte[] front;
  private final long[] pa;
  private final long dataEnd;
  private final long imageId;
  private final CRC32C crc = new CRC32C();
  private long next; // the next address expected
  private byte[] commit;

  ImageSource(PhysicalMemory mem, Image im, long[] pa) {
    this.mem = mem;
    this.front = encodeFront(im);
    this.pa = pa;
    this.dataEnd = front.length + (long) pa.length * PGSIZE;
    this.imageId = im.imageId();
  }

  @Override
  public boolean copyIn(long addr, byte[] dst, int off, int n) {
    if (addr != next) {
      throw new KernelPanic("checkpoint: image bytes asked out of order");
    }
    int done = 0;
    while (done < n) {
      long a = addr + done;
      int len;
      if (a < front.length) {
        len = (int) Math.min(n - done, front.length - a);
        System.arraycopy(front, (int) a, dst, off + done, len);
      } else if (a < dataEnd) {
        long inData = a - front.length;
        int k = (int) (inData / PGSIZE);
        int within = (int) (inData % PGSIZE);
        len = Math.min(n - done, PGSIZE - within);
        mem.read(pa[k] + within, dst, off + done, len);
      } else {
        if (commit == null) {
          commit = commitRecord(dataEnd + COMMIT_SIZE, imageId, crc.getValue());
        }
        len = n - done;
        System.arraycopy(commit, (int) (a - dataEnd), dst, off + done, len);
        done += len;
        continue;
      }
      crc.update(dst, off + done, len);
      done += len;
    }
    next = addr + n;
    return true;
  }
}
