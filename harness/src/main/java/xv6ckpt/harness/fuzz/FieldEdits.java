package xv6ckpt.harness.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Layout;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * Field-wise edits of a valid image, for the restore fuzzers' structure-aware form {@link
 * #FIELDWISE}: a chosen field set to 0, to all ones, or to one of its bounds +/- 1, then the commit
 * record resealed or broken on purpose ({@link Seal}).
 *
 * <p>Why: a one-byte edit almost never builds a wide value such as TRAPFRAME, MAXVA + 1 or a CRC of
 * 0 over a changed body, so an off-by-one or a wrong constant in the kernel's validator survives
 * millions of byte-wise executions. Here every byte of the input picks a field and a bound.
 *
 * <p>Where the fields are comes from the spec's {@link Layout} (its record lists and offsets, never
 * a second table of numbers); what their bounds are comes from FORMAT.md's rules, named after the
 * constants there (TRAPFRAME, MAXVA, NOFILE, MAXPATH, ...), plus the bounds one field sets for
 * another in this image (a page's va against sz, progress against the read's n, an fd against the
 * previous record's).
 */
final class FieldEdits {
  private FieldEdits() {}

  /** The form's first byte: {@code 'F', u8 seed, u8 seal, then (u8 slot, u8 value) pairs}. */
  static final int FIELDWISE = 'F';

  /** A named value a field is tried at, and one above and below. */
  record Bound(String name, long value) {}

  /** One value a slot can be set to: a name for people and corpus files, and the value. */
  record Candidate(String name, long value) {}

  /**
   * One field of the image at its file offset. A string field ({@code string}) is set to a string
   * of the candidate's length ('/' first for a path), the rest NUL; an integer field to the value
   * (masked to its width). All ones fills every byte with 0xff either way.
   */
  record Slot(String name, int offset, int size, boolean string, List<Candidate> candidates) {
    boolean inCommit(int fileLength) {
      return offset >= fileLength - Layout.COMMIT_SIZE;
    }

    /** Writes candidate k (modulo the list) into b. */
    void set(byte[] b, int k) {
      Candidate c = candidates.get(Math.floorMod(k, candidates.size()));
      if (c.name().equals("ones")) {
        Arrays.fill(b, offset, offset + size, (byte) 0xff);
      } else if (string) {
        Arrays.fill(b, offset, offset + size, (byte) 0);
        int len = (int) Math.min(c.value(), size);
        Arrays.fill(b, offset, offset + len, (byte) 'a');
        if (len > 0 && name.endsWith(".path")) {
          b[offset] = '/';
        }
      } else {
        for (int i = 0; i < size; i++) {
          b[offset + i] = (byte) (i < 8 ? c.value() >>> (8 * i) : 0);
        }
      }
    }
  }

  /** How the commit record is left after the edits: the form's third byte picks one. */
  enum Seal {
    /** Rewritten for the edited bytes (length, id, CRC), so the field rules are reached. */
    RESEAL,
    /** The seed's own commit record, now over other bytes: a stale CRC. */
    STALE,
    /** Resealed, then the CRC set to 0. */
    CRC_ZERO,
    /** Resealed, then the CRC set to all ones. */
    CRC_ONES,
    /** Resealed, then one bit of the CRC flipped (the bit from the seal byte). */
    CRC_FLIP;

    static Seal of(int b) {
      return b < CRC_FLIP.ordinal() ? values()[b] : CRC_FLIP;
    }
  }

  /** The slots of a valid image (the seeds): every field of every record, by the spec's layout. */
  static List<Slot> slots(byte[] seed) {
    Image im = ((Verdict.Valid) ImageCodec.decode(seed)).image();
    List<Slot> out = new ArrayList<>();
    for (Field f : fields(Layout.HEADER, 0, "header.")) {
      if (!f.f().equals(Layout.H_MAGIC)) {
        out.add(slot(f, headerBounds(f.f(), im)));
      }
    }
    for (int n = 1; n <= 31; n++) {
      int off = Layout.REGS_OFFSET + Layout.R_X.offset() + 8 * (n - 1);
      out.add(intSlot("regs.x" + n, off, 8, registerBounds(n, im)));
    }
    Field pc = fields(List.of(Layout.R_PC), Layout.REGS_OFFSET, "regs.").get(0);
    out.add(
        slot(
            pc,
            List.of(
                new Bound("TRAPFRAME", Xv6.TRAPFRAME),
                new Bound("MAXVA", Xv6.MAXVA),
                new Bound("PGSIZE", Xv6.PGSIZE),
                new Bound("pc", im.regs().pc()))));
    for (Field f : fields(Layout.RESTART, Layout.RESTART_OFFSET, "restart.")) {
      if (f.f().equals(Layout.S_ARGS)) {
        for (int i = 0; i < 6; i++) {
          long a = im.regs().x(Image.Registers.A0 + i);
          out.add(
              intSlot(
                  "restart.args" + i,
                  f.offset() + 8 * i,
                  8,
                  List.of(new Bound("a" + i, a), new Bound("zero", 0))));
        }
      } else {
        out.add(slot(f, restartBounds(f.f(), im)));
      }
    }
    for (int k = 0; k < im.files().size(); k++) {
      long base = Layout.FILES_OFFSET + (long) k * Layout.FILE_SIZE;
      for (Field f : fields(Layout.FILE, (int) base, "file" + k + ".")) {
        out.add(slot(f, fileBounds(f.f(), im, k)));
      }
    }
    long map = Layout.pageMapOffset(im.files().size());
    for (int k = 0; k < im.pages().size(); k++) {
      long base = map + (long) k * Layout.PAGE_ENTRY_SIZE;
      for (Field f : fields(Layout.PAGE, (int) base, "page" + k + ".")) {
        out.add(slot(f, pageBounds(f.f(), im, k)));
      }
    }
    int commit = seed.length - Layout.COMMIT_SIZE;
    for (Field f : fields(Layout.COMMIT, commit, "commit.")) {
      if (!f.f().equals(Layout.C_MAGIC)) {
        out.add(slot(f, commitBounds(f.f(), seed)));
      }
    }
    return List.copyOf(out);
  }

  /** The bytes the form stands for: seed {@code in.u8()}, the edits, then the seal. */
  static byte[] apply(ByteInput in, List<byte[]> seeds) {
    int seedIndex = in.u8() % seeds.size();
    byte[] seed = seeds.get(seedIndex);
    int sealByte = in.u8();
    List<Slot> slots = SLOTS.get(seedIndex);
    byte[] b = seed.clone();
    List<int[]> commitEdits = new ArrayList<>();
    for (int n = 0; n < RestoreImages.MAX_MUTATIONS && !in.exhausted(); n++) {
      int[] edit = {in.u8() % slots.size(), in.u8()};
      if (slots.get(edit[0]).inCommit(b.length)) {
        commitEdits.add(edit); // after the seal, which would overwrite them
      } else {
        slots.get(edit[0]).set(b, edit[1]);
      }
    }
    b = seal(b, seed, sealByte);
    for (int[] edit : commitEdits) {
      slots.get(edit[0]).set(b, edit[1]);
    }
    return b;
  }

  /** The form for people: the seed, the seal, each edit by field and candidate name. */
  static String describe(ByteInput in, List<byte[]> seeds) {
    int seedIndex = in.u8() % seeds.size();
    int sealByte = in.u8();
    List<Slot> slots = SLOTS.get(seedIndex);
    StringBuilder b =
        new StringBuilder(
            "field-wise form: seed " + seedIndex + ", commit record " + seal(sealByte));
    for (int n = 0; n < RestoreImages.MAX_MUTATIONS && !in.exhausted(); n++) {
      Slot s = slots.get(in.u8() % slots.size());
      Candidate c = s.candidates().get(in.u8() % s.candidates().size());
      b.append(n == 0 ? "; " : ", ").append(s.name()).append(" = ").append(c.name());
    }
    return b.toString();
  }

  private static String seal(int sealByte) {
    Seal s = Seal.of(sealByte);
    return s == Seal.CRC_FLIP
        ? "resealed, CRC bit " + flipBit(sealByte) + " flipped"
        : s.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static int flipBit(int sealByte) {
    return (sealByte - Seal.CRC_FLIP.ordinal()) % 32;
  }

  private static byte[] seal(byte[] edited, byte[] seed, int sealByte) {
    Seal s = Seal.of(sealByte);
    if (s == Seal.STALE) {
      return edited; // the seed's commit record was never touched
    }
    byte[] b = ImageCodec.resealed(edited);
    int crc = b.length - Layout.COMMIT_SIZE + Layout.C_CRC.offset();
    long value = Integer.toUnsignedLong(u32(b, crc));
    value =
        switch (s) {
          case CRC_ZERO -> 0;
          case CRC_ONES -> 0xffffffffL;
          case CRC_FLIP -> value ^ (1L << flipBit(sealByte));
          default -> value;
        };
    for (int i = 0; i < 4; i++) {
      b[crc + i] = (byte) (value >>> (8 * i));
    }
    return b;
  }

  /** The slots of each seed of {@link RestoreImages#SEEDS}, in the same order. */
  static final List<List<Slot>> SLOTS =
      RestoreImages.SEEDS.stream().map(FieldEdits::slots).toList();

  // ---------------------------------------------------------------- the bounds, by field

  private static List<Bound> headerBounds(xv6ckpt.specs.Field f, Image im) {
    List<Bound> b = new ArrayList<>();
    if (f.equals(Layout.H_VERSION)) {
      b.add(new Bound("VERSION", Layout.VERSION));
    } else if (f.equals(Layout.H_HDRLEN)) {
      b.add(new Bound("HEADER_SIZE", Layout.HEADER_SIZE));
    } else if (f.equals(Layout.H_IMAGE_ID)) {
      b.add(new Bound("id", im.header().imageId()));
    } else if (f.equals(Layout.H_PID)) {
      b.add(new Bound("one", 1));
      b.add(new Bound("INT_MAX", Integer.MAX_VALUE));
    } else if (f.equals(Layout.H_NAME)) {
      b.add(new Bound("maxlen", Xv6.PROC_NAME - 1));
    } else if (f.equals(Layout.H_SZ)) {
      b.add(new Bound("TRAPFRAME", Xv6.TRAPFRAME));
      b.add(new Bound("MAXVA", Xv6.MAXVA));
      List<Image.Page> p = im.pages();
      if (!p.isEmpty()) {
        b.add(new Bound("lastva", p.get(p.size() - 1).va()));
      }
    } else if (f.equals(Layout.H_NFILES)) {
      b.add(new Bound("NOFILE", Xv6.NOFILE));
      b.add(new Bound("count", im.files().size()));
    } else if (f.equals(Layout.H_NPAGES)) {
      b.add(new Bound("MAX_PAGES", Layout.MAX_PAGES));
      b.add(new Bound("count", im.pages().size()));
    } else {
      b.add(new Bound("reserved", 0));
    }
    return b;
  }

  /** a7 against the restartable calls, a0 and a2 against progress, the others as they are. */
  private static List<Bound> registerBounds(int n, Image im) {
    List<Bound> b = new ArrayList<>();
    if (n == Image.Registers.A7) {
      b.add(new Bound("SYS_wait", Xv6.SYS_wait));
      b.add(new Bound("SYS_read", Xv6.SYS_read));
      b.add(new Bound("SYS_sleep", Xv6.SYS_sleep));
    }
    if (n == Image.Registers.A0 || n == Image.Registers.A0 + 2) {
      b.add(new Bound("progress", im.restart().progress()));
      b.add(new Bound("INT_MAX", Integer.MAX_VALUE));
    }
    b.add(new Bound("as-is", im.regs().x(n)));
    return b;
  }

  private static List<Bound> restartBounds(xv6ckpt.specs.Field f, Image im) {
    List<Bound> b = new ArrayList<>();
    if (f.equals(Layout.S_SYSNUM)) {
      b.add(new Bound("SYS_wait", Xv6.SYS_wait));
      b.add(new Bound("SYS_read", Xv6.SYS_read));
      b.add(new Bound("SYS_sleep", Xv6.SYS_sleep));
    } else if (f.equals(Layout.S_PROGRESS)) {
      b.add(new Bound("n-read", (int) im.regs().x(Image.Registers.A0 + 2)));
      b.add(new Bound("n-sleep", (int) im.regs().x(Image.Registers.A0)));
    } else {
      b.add(new Bound("reserved", 0));
    }
    return b;
  }

  private static List<Bound> fileBounds(xv6ckpt.specs.Field f, Image im, int k) {
    Image.OpenFile file = im.files().get(k);
    List<Bound> b = new ArrayList<>();
    if (f.equals(Layout.F_FD)) {
      b.add(new Bound("NOFILE", Xv6.NOFILE));
      if (k > 0) {
        b.add(new Bound("prevfd", im.files().get(k - 1).fd()));
      }
    } else if (f.equals(Layout.F_KIND)) {
      b.add(new Bound("KIND_CONSOLE", Layout.KIND_CONSOLE));
      b.add(new Bound("KIND_FILE", Layout.KIND_FILE));
    } else if (f.equals(Layout.F_MODE)) {
      b.add(new Bound("MODE_READ", Layout.MODE_READ));
      b.add(new Bound("MODE_RW", Layout.MODE_READ | Layout.MODE_WRITE));
    } else if (f.equals(Layout.F_INUM)) {
      b.add(new Bound("one", 1));
      b.add(new Bound("inum", file.inum()));
    } else if (f.equals(Layout.F_OFFSET)) {
      b.add(new Bound("filesize", RestoreRig.FILE_BYTES));
    } else if (f.equals(Layout.F_PATH)) {
      b.add(new Bound("maxlen", Xv6.MAXPATH - 1));
      b.add(new Bound("len1", 1));
    } else {
      b.add(new Bound("reserved", 0));
    }
    return b;
  }

  private static List<Bound> pageBounds(xv6ckpt.specs.Field f, Image im, int k) {
    List<Bound> b = new ArrayList<>();
    if (f.equals(Layout.P_VA)) {
      long top = Xv6.PGROUNDUP(im.header().sz());
      b.add(new Bound("PGSIZE", Xv6.PGSIZE));
      b.add(new Bound("top", top - Xv6.PGSIZE));
      b.add(new Bound("TRAPFRAME", Xv6.TRAPFRAME));
      b.add(new Bound("MAXVA", Xv6.MAXVA));
      if (k > 0) {
        b.add(new Bound("prevva", im.pages().get(k - 1).va()));
      }
    } else if (f.equals(Layout.P_PERM)) {
      b.add(new Bound("PERM_BITS", Layout.PERM_BITS));
      b.add(new Bound("PTE_R", Xv6.PTE_R));
      b.add(new Bound("PTE_W", Xv6.PTE_W));
      b.add(new Bound("PTE_X", Xv6.PTE_X));
      b.add(new Bound("PTE_U", Xv6.PTE_U));
      b.add(new Bound("RW", Xv6.PTE_R | Xv6.PTE_W));
      b.add(new Bound("WX", Xv6.PTE_W | Xv6.PTE_X));
      b.add(new Bound("bit5", Xv6.PTE_U << 1));
    } else {
      b.add(new Bound("reserved", 0));
    }
    return b;
  }

  private static List<Bound> commitBounds(xv6ckpt.specs.Field f, byte[] seed) {
    int c = seed.length - Layout.COMMIT_SIZE;
    List<Bound> b = new ArrayList<>();
    if (f.equals(Layout.C_LENGTH)) {
      b.add(new Bound("length", seed.length));
    } else if (f.equals(Layout.C_IMAGE_ID)) {
      b.add(new Bound("id", u64(seed, c + Layout.C_IMAGE_ID.offset())));
    } else if (f.equals(Layout.C_CRC)) {
      b.add(new Bound("crc", Integer.toUnsignedLong(u32(seed, c + Layout.C_CRC.offset()))));
    } else {
      b.add(new Bound("reserved", 0));
    }
    return b;
  }

  // ---------------------------------------------------------------- slots from the layout

  /** A spec field at its absolute file offset, with its slot name. */
  private record Field(xv6ckpt.specs.Field f, int offset, String name) {}

  private static List<Field> fields(List<xv6ckpt.specs.Field> record, int base, String prefix) {
    return record.stream()
        .map(f -> new Field(f, base + f.offset(), prefix + f.name().replace("..", "-")))
        .toList();
  }

  private static Slot slot(Field f, List<Bound> bounds) {
    boolean string = f.f().equals(Layout.H_NAME) || f.f().equals(Layout.F_PATH);
    return string
        ? new Slot(f.name(), f.offset(), f.f().size(), true, candidates(bounds, f.f().size() + 1))
        : intSlot(f.name(), f.offset(), f.f().size(), bounds);
  }

  private static Slot intSlot(String name, int offset, int size, List<Bound> bounds) {
    return new Slot(name, offset, size, false, candidates(bounds, 0));
  }

  /**
   * 0, all ones, then each bound -1, at, +1. For strings the values are lengths, capped below
   * {@code lengthCap} (a length past the field is the field full, already a candidate).
   */
  private static List<Candidate> candidates(List<Bound> bounds, int lengthCap) {
    List<Candidate> out = new ArrayList<>();
    out.add(new Candidate("zero", 0));
    out.add(new Candidate("ones", -1));
    for (Bound b : bounds) {
      for (int d = -1; d <= 1; d++) {
        long v = b.value() + d;
        if (lengthCap > 0 && (v < 0 || v >= lengthCap)) {
          continue;
        }
        out.add(new Candidate(b.name() + (d < 0 ? "-1" : d > 0 ? "+1" : ""), v));
      }
    }
    return List.copyOf(out);
  }

  private static int u32(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | (b[off + 3] & 0xff) << 24;
  }

  private static long u64(byte[] b, int off) {
    return Integer.toUnsignedLong(u32(b, off)) | (long) u32(b, off + 4) << 32;
  }
}
