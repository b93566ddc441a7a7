package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static xv6ckpt.specs.Layout.*;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.Observe;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * Spec writes, kernel reads: for images the spec encodes, valid or broken in one rule, the kernel's
 * restore has the outcome {@link CheckpointModel#restoreFile} predicts: the same rule's code with
 * the caller untouched, or exactly the predicted process.
 */
class SpecImagesRestoreTest {
  private static final byte[] DATA = "0123456789".getBytes(ISO_8859_1);

  /** A disk with /data and /restore; then the files given, written through a mount. */
  private static MemoryBlockDevice disk(Map<String, byte[]> files) throws Exception {
    MemoryBlockDevice d =
        Disks.withFiles(8000, Map.of("data", DATA, "restore", SpecImages.restorer()));
    FileSystem fs = FileSystem.mount(d);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      fs.writeFile("/" + e.getKey(), e.getValue());
    }
    return d;
  }

  private static long dataInum() throws Exception {
    return FileSystem.mount(disk(Map.of())).stat("/data").ino();
  }

  private void validImage(long progress, String typed, String printed) throws Exception {
    byte[] bytes = ImageCodec.encode(SpecImages.image(0xfeed, dataInum(), progress));
    MemoryBlockDevice d = disk(Map.of("img", bytes));
    FileView fs = SpecImages.view(d, List.of("data", "img", "restore"));
    Machine m = Machines.runner(d, Machines.LARGE);
    int pid = Machines.spawn(m, "restore", "img");
    assertThat(Machines.finish(m, Machines.LONG_RUN)).isEqualTo(new Machine.Outcome.Idle(true));
    RestoreResult r = CheckpointModel.restoreFile(SpecImages.caller(pid), Optional.of(bytes), fs);
    assertThat(r).isInstanceOf(RestoreResult.Restored.class);
    ModelProcess want = ((RestoreResult.Restored) r).process();
    Process p = m.proc().byPid(pid).orElseThrow();
    // Resumed, it re-issued its read and sleeps in it: the model's process, asleep.
    assertThat(p.state()).isEqualTo(Process.State.SLEEPING);
    ModelProcess got = Observe.process(m, p, ModelProcess.State.RUNNING);
    assertThat(got.pages()).isEqualTo(want.pages());
    assertThat(got).isEqualTo(want);
    m.consoleInput(typed);
    assertThat(Machines.finish(m, Machines.LONG_RUN))
        .isEqualTo(new Machine.Outcome.Exited(pid, 42));
    assertThat(m.output()).isEqualTo(typed + printed);
  }

  @Test
  void aValidImageBecomesExactlyTheModelsProcessAndReadsOn() throws Exception {
    validImage(0, "hi\n", "hi\n");
  }

  @Test
  void aReadCapturedPartWayContinuesAfterTheBytesItHad() throws Exception {
    validImage(3, "hi\n", "bcdhi\n"); // the buffer's first 3 bytes were read before
  }

  // ---------------------------------------------------------------- one rule broken each

  private static byte[] put(byte[] b, long off, int n, long v) {
    byte[] c = b.clone();
    for (int i = 0; i < n; i++) {
      c[(int) off + i] = (byte) (v >>> (8 * i));
    }
    return c;
  }

  /** A field edit behind a valid commit record (rules checked after the CRC). */
  private static UnaryOperator<byte[]> sealed(long off, int n, long v) {
    return b -> ImageCodec.resealed(put(b, off, n, v));
  }

  private static final long MAP = pageMapOffset(4);
  private static final long FILE3 = FILES_OFFSET + 3L * FILE_SIZE;

  /** Each image rule, broken by one edit of a valid image. */
  static Map<Rule, UnaryOperator<byte[]>> breakers() {
    Map<Rule, UnaryOperator<byte[]>> m = new LinkedHashMap<>();
    m.put(Rule.HDR_MAGIC, b -> put(b, 0, 1, 'Y'));
    m.put(Rule.HDR_VERSION, b -> put(b, H_VERSION.offset(), 4, 2));
    m.put(Rule.COMMIT_MISSING, b -> java.util.Arrays.copyOf(b, b.length - 1));
    m.put(Rule.COMMIT_LENGTH, b -> put(b, b.length - COMMIT_SIZE + 8, 8, b.length + 1));
    m.put(Rule.COMMIT_ID, b -> put(b, b.length - COMMIT_SIZE + 16, 8, 1));
    m.put(Rule.CRC_MISMATCH, b -> put(b, 5000, 1, b[5000] ^ 1));
    m.put(Rule.HDR_LENGTH, sealed(H_HDRLEN.offset(), 4, 65));
    m.put(Rule.HDR_NFILES, sealed(H_NFILES.offset(), 4, 17));
    m.put(Rule.HDR_NPAGES, sealed(H_NPAGES.offset(), 4, MAX_PAGES + 1));
    m.put(Rule.IMAGE_LENGTH, sealed(H_NPAGES.offset(), 4, 4));
    m.put(Rule.RESERVED_NONZERO, sealed(H_RESERVED.offset(), 4, 1));
    m.put(Rule.HDR_PID, sealed(H_PID.offset(), 4, 0));
    m.put(Rule.HDR_NAME, sealed(H_NAME.offset() + 10, 1, 'x'));
    m.put(Rule.HDR_SZ, sealed(H_SZ.offset(), 8, Xv6.TRAPFRAME + 1));
    m.put(Rule.REGS_PC, sealed(REGS_OFFSET + R_PC.offset(), 8, 1));
    m.put(Rule.RESTART_SYSCALL, sealed(RESTART_OFFSET + S_SYSNUM.offset(), 4, 4));
    m.put(Rule.RESTART_ARGS, sealed(RESTART_OFFSET + S_ARGS.offset() + 8, 8, 0x2000));
    m.put(Rule.RESTART_PROGRESS, sealed(RESTART_OFFSET + S_PROGRESS.offset(), 8, 64));
    m.put(Rule.FILE_FD, sealed(FILES_OFFSET + FILE_SIZE + F_FD.offset(), 4, 0));
    m.put(Rule.FILE_KIND, sealed(FILES_OFFSET + F_KIND.offset(), 4, 3));
    m.put(Rule.FILE_MODE, sealed(FILES_OFFSET + F_MODE.offset(), 4, 0));
    m.put(Rule.FILE_CONSOLE, sealed(FILES_OFFSET + F_INUM.offset(), 4, 1));
    m.put(Rule.FILE_INUM, sealed(FILE3 + F_INUM.offset(), 4, 0));
    m.put(Rule.FILE_PATH, sealed(FILE3 + F_PATH.offset(), 1, 'd'));
    m.put(Rule.PAGE_VA_ALIGNED, sealed(MAP + 16 + P_VA.offset(), 8, 0x1008));
    m.put(Rule.PAGE_VA_RANGE, sealed(MAP + 4 * 16 + P_VA.offset(), 8, 0x6000));
    m.put(Rule.PAGE_ORDER, sealed(MAP + 16 + P_VA.offset(), 8, 0));
    m.put(Rule.PAGE_PERM, sealed(MAP + 16 + P_PERM.offset(), 4, Xv6.PTE_W));
    m.put(Rule.RESTART_PC, sealed(REGS_OFFSET + R_PC.offset(), 8, 4));
    return m;
  }

  @Test
  void everyImageRuleBrokenAloneGetsItsCodeFromTheKernelAndTheCallerGoesOn() throws Exception {
    long inum = dataInum();
    byte[] good = ImageCodec.encode(SpecImages.image(0xfeed, inum, 0));
    Map<String, byte[]> files = new TreeMap<>();
    Map<String, Rule> rules = new TreeMap<>();
    int k = 0;
    for (Map.Entry<Rule, UnaryOperator<byte[]>> e : breakers().entrySet()) {
      byte[] b = e.getValue().apply(good);
      Verdict v = ImageCodec.decode(b);
      assertWithMessage("the edit for %s", e.getKey()).that(v).isInstanceOf(Verdict.Invalid.class);
      assertWithMessage("the edit for %s", e.getKey())
          .that(((Verdict.Invalid) v).rule())
          .isEqualTo(e.getKey());
      files.put("b" + k, b);
      rules.put("b" + k++, e.getKey());
    }
    // padding: a byte between the page map and the data
    files.put("pad", ImageCodec.resealed(put(good, MAP + 5 * 16 + 1, 1, 1)));
    rules.put("pad", Rule.RESERVED_NONZERO);
    // restore's own refusals: file records that no longer fit the disk, and no file at all
    files.put("missing", ImageCodec.encode(withData(inum, "/nothere", 2)));
    files.put("inode", ImageCodec.encode(withData(inum + 1, "/data", 2)));
    files.put("offset", ImageCodec.encode(withData(inum, "/data", DATA.length + 1)));

    MemoryBlockDevice d = disk(files);
    List<String> names = new ArrayList<>(files.keySet());
    names.addAll(List.of("data", "restore"));
    FileView fs = SpecImages.view(d, names);
    Machine m = Machines.runner(d, Machines.LARGE);
    int freePages = m.kalloc().freePages();
    Set<Rule> seen = EnumSet.noneOf(Rule.class);
    List<String> cases = new ArrayList<>(files.keySet());
    cases.add("absent");
    for (String name : cases) {
      int pid = Machines.spawn(m, "restore", name);
      Optional<byte[]> content = Optional.ofNullable(files.get(name));
      RestoreResult want = CheckpointModel.restoreFile(SpecImages.caller(pid), content, fs);
      assertWithMessage("%s: the model refuses", name)
          .that(want)
          .isInstanceOf(RestoreResult.Refused.class);
      Rule rule = ((RestoreResult.Refused) want).rule();
      assertWithMessage("%s", name)
          .that(Machines.finish(m, Machines.LONG_RUN))
          .isEqualTo(new Machine.Outcome.Exited(pid, rule.code()));
      seen.add(rule);
    }
    Machines.finish(m, Machines.LONG_RUN);
    assertThat(m.kalloc().freePages()).isEqualTo(freePages);
    assertThat(m.files().openFiles()).isEqualTo(0);
    Set<Rule> expected = EnumSet.noneOf(Rule.class);
    for (Rule r : Rule.values()) {
      if (r.when() != Rule.When.CHECKPOINT && r != Rule.RESTORE_NOMEM) {
        expected.add(r);
      }
    }
    assertThat(seen).isEqualTo(expected); // every image rule and restore refusal, once at least
    assertThat(m.output().lines().count()).isEqualTo(cases.size()); // one line per refusal
  }

  /** The spec's image with its file record 3 changed. */
  private static Image withData(long inum, String path, long offset) {
    Image i = SpecImages.image(0xfeed, inum, 0);
    List<Image.OpenFile> files = new ArrayList<>(i.files());
    files.set(3, Image.OpenFile.file(3, true, false, path, inum, offset));
    return new Image(i.header(), i.regs(), i.restart(), files, i.pages());
  }
}
