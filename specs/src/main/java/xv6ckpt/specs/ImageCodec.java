package xv6ckpt.specs;

import static xv6ckpt.specs.Layout.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;

/**
 * Image format v1, both ways: {@link #encode} writes an {@link Image} as bytes and {@link #decode}
 * judges bytes, giving the image or the first rule they break.
 *
 * <p>For every valid image {@code decode(encode(image))} is {@code Valid(image)}. Encoding does not
 * judge: an image with, say, a misaligned page encodes, and the decoder then names the rule. {@link
 * #resealed} rewrites the commit record after bytes were changed by hand, so that tests and fuzzers
 * can reach the rules checked after the checksum.
 *
 * <p>The bytes come out in the order a kernel streams them: header, registers, restart state, file
 * records, page map, padding, page data, and the commit record last, whose CRC the writer
 * accumulates as it goes. Nothing written earlier depends on anything written later.
 */
public final class ImageCodec {
  private ImageCodec() {}

  /** Judges a whole file. Never throws on any input. */
  public static Verdict decode(byte[] file) {
    return ImageDecoder.decode(file);
  }

  /**
   * The version 1 file holding image.
   *
   * @throws IllegalArgumentException if the file would exceed what a Java array holds (2 GiB)
   */
  public static byte[] encode(Image image) {
    int nfiles = image.files().size();
    int npages = image.pages().size();
    long size = imageSize(nfiles, npages);
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "an image of " + npages + " pages (" + size + " bytes) does not fit in one Java array");
    }
    byte[] b = new byte[(int) size];
    putHeader(b, image.header(), nfiles, npages);
    putRegisters(b, image.regs());
    putRestart(b, image.restart());
    for (int k = 0; k < nfiles; k++) {
      putFile(b, FILES_OFFSET + (long) k * FILE_SIZE, image.files().get(k));
    }
    putPages(b, nfiles, image.pages());
    seal(b);
    return b;
  }

  /**
   * A copy of file with its last COMMIT_SIZE bytes rewritten as the commit record a writer would
   * have produced for everything before them: its length, the header's image id, the CRC.
   *
   * @throws IllegalArgumentException if file is too short to hold a header and a commit record
   */
  public static byte[] resealed(byte[] file) {
    if (file.length < HEADER_SIZE + COMMIT_SIZE) {
      throw new IllegalArgumentException(
          "cannot reseal "
              + file.length
              + " bytes: a header and a commit record need "
              + (HEADER_SIZE + COMMIT_SIZE));
    }
    byte[] b = file.clone();
    seal(b);
    return b;
  }

  private static void putHeader(byte[] b, Image.Header h, int nfiles, int npages) {
    putString(b, H_MAGIC.offset(), MAGIC);
    put(b, 0, H_VERSION, VERSION);
    put(b, 0, H_HDRLEN, HEADER_SIZE);
    put(b, 0, H_IMAGE_ID, h.imageId());
    put(b, 0, H_PID, h.pid());
    putString(b, H_NAME.offset(), h.name());
    put(b, 0, H_SZ, h.sz());
    put(b, 0, H_NFILES, nfiles);
    put(b, 0, H_NPAGES, npages);
  }

  private static void putRegisters(byte[] b, Image.Registers r) {
    for (int n = 1; n <= 31; n++) {
      Le.put(b, REGS_OFFSET + R_X.offset() + 8L * (n - 1), 8, r.x(n));
    }
    put(b, REGS_OFFSET, R_PC, r.pc());
  }

  private static void putRestart(byte[] b, Image.SyscallRestart s) {
    put(b, RESTART_OFFSET, S_SYSNUM, s.sysnum());
    List<Long> args = s.args();
    for (int i = 0; i < args.size(); i++) {
      Le.put(b, RESTART_OFFSET + S_ARGS.offset() + 8L * i, 8, args.get(i));
    }
    put(b, RESTART_OFFSET, S_PROGRESS, s.progress());
  }

  private static void putFile(byte[] b, long base, OpenFile f) {
    put(b, base, F_FD, f.fd());
    put(b, base, F_KIND, f.kind().code());
    put(b, base, F_MODE, f.mode());
    put(b, base, F_INUM, f.inum());
    put(b, base, F_OFFSET, f.offset());
    putString(b, base + F_PATH.offset(), f.path());
  }

  private static void putPages(byte[] b, int nfiles, List<Page> pages) {
    long map = pageMapOffset(nfiles);
    long data = dataOffset(nfiles, pages.size());
    for (int k = 0; k < pages.size(); k++) {
      Page p = pages.get(k);
      put(b, map + (long) k * PAGE_ENTRY_SIZE, P_VA, p.va());
      put(b, map + (long) k * PAGE_ENTRY_SIZE, P_PERM, p.perm());
      System.arraycopy(p.data(), 0, b, (int) (data + (long) k * Xv6.PGSIZE), Xv6.PGSIZE);
    }
  }

  /** Writes the commit record over the last COMMIT_SIZE bytes of b. */
  private static void seal(byte[] b) {
    int c = b.length - COMMIT_SIZE;
    CRC32C crc = new CRC32C();
    crc.update(b, 0, c);
    putString(b, c + C_MAGIC.offset(), COMMIT_MAGIC);
    put(b, c, C_LENGTH, b.length);
    put(b, c, C_IMAGE_ID, Le.get(b, H_IMAGE_ID.offset(), H_IMAGE_ID.size()));
    put(b, c, C_CRC, crc.getValue());
    put(b, c, C_RESERVED, 0);
  }

  private static void put(byte[] b, long base, Field f, long v) {
    Le.put(b, base + f.offset(), f.size(), v);
  }

  /** The string's bytes; the rest of its field stays zero (NUL-padded). */
  private static void putString(byte[] b, long off, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(bytes, 0, b, (int) off, bytes.length);
  }
}
