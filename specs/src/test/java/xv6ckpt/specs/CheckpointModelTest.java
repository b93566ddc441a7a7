package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.CheckpointModel.CheckpointResult;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ModelFile.Console;
import xv6ckpt.specs.ModelFile.InodeFile;
import xv6ckpt.specs.ModelProcess.State;

/** The model's postconditions, one law per test. */
class CheckpointModelTest {
  private static final long ECALL = 0x10;
  private static final FileView DISK =
      FileView.of(
          Map.of(
              "/data.txt", new FileView.Inode(5, Xv6.T_FILE, 100),
              "/dir", new FileView.Inode(9, Xv6.T_DIR, 64),
              "/console", new FileView.Inode(11, Xv6.T_DEVICE, 0)));

  private static Map<Integer, ModelFile> stdio() {
    return Map.of(
        0, new Console(true, false), 1, new Console(false, true), 2, new Console(false, true));
  }

  /** The sample process at its ecall of checkpoint (pc at the ecall, a7 = 22). */
  private static ModelProcess caller(int pid, Map<Integer, ModelFile> files) {
    Registers r = Samples.regs(ECALL).with(Registers.A7, Xv6.SYS_checkpoint);
    return ModelProcess.of(
        pid, "counter", State.RUNNING, Samples.SZ, Samples.pages(), r, files, SyscallRestart.NONE);
  }

  private static ModelProcess withFiles(Map<Integer, ModelFile> files) {
    return caller(7, files);
  }

  private static Map<Integer, ModelFile> stdioAnd(int fd, ModelFile f) {
    Map<Integer, ModelFile> m = new java.util.TreeMap<>(stdio());
    m.put(fd, f);
    return m;
  }

  /** Another process, blocked in read(0, 0x1000, 64) after 3 bytes. */
  private static ModelProcess reader(int pid, State state) {
    Image b = Samples.blocked();
    return ModelProcess.of(
        pid, "reader", state, Samples.SZ, Samples.pages(), b.regs(), stdio(), b.restart());
  }

  private static Image written(CheckpointResult r) {
    assertThat(r).isInstanceOf(CheckpointResult.Written.class);
    return ((CheckpointResult.Written) r).image();
  }

  @Test
  void selfCheckpointReturnsZeroAndTheImageResumesWithOne() {
    ModelProcess me = caller(7, stdioAnd(3, new InodeFile("/data.txt", 5, 12, true, true)));
    for (int pid : new int[] {0, 7}) {
      CheckpointResult r = CheckpointModel.checkpoint(me, List.of(), pid, 42);
      Image img = written(r);
      ModelProcess after = ((CheckpointResult.Written) r).caller();
      assertThat(after.regs().x(Registers.A0)).isEqualTo(0);
      assertThat(after.regs().pc()).isEqualTo(ECALL + 4);
      assertThat(img.regs().x(Registers.A0)).isEqualTo(1);
      assertThat(img.regs().pc()).isEqualTo(ECALL + 4);
      assertThat(img.regs().with(Registers.A0, me.regs().x(Registers.A0)).withPc(ECALL))
          .isEqualTo(me.regs());
      assertThat(img.restart()).isEqualTo(SyscallRestart.NONE);
      assertThat(img.header()).isEqualTo(new Image.Header(42, 7, "counter", Samples.SZ));
      assertThat(img.pages()).isEqualTo(me.pages());
      assertThat(img.files())
          .containsExactly(
              Image.OpenFile.console(0, true, false),
              Image.OpenFile.console(1, false, true),
              Image.OpenFile.console(2, false, true),
              Image.OpenFile.file(3, true, true, "/data.txt", 5, 12))
          .inOrder();
      assertThat(ImageCodec.decode(ImageCodec.encode(img))).isEqualTo(new Verdict.Valid(img));
    }
  }

  @Test
  void anotherProcessIsCapturedInsideItsCallAndTheImageIsValid() {
    ModelProcess target = reader(9, State.SLEEPING);
    Image img = written(CheckpointModel.checkpoint(caller(7, stdio()), List.of(target), 9, 1));
    assertThat(img.regs()).isEqualTo(target.regs());
    assertThat(img.restart()).isEqualTo(target.inSyscall());
    assertThat(img.header().pid()).isEqualTo(9);
    assertThat(img.header().name()).isEqualTo("reader");
    assertThat(ImageCodec.decode(ImageCodec.encode(img))).isEqualTo(new Verdict.Valid(img));
  }

  @Test
  void refusalsNameTheirRuleAndReturnItsCode() {
    ModelProcess me = caller(7, stdio());
    List<ModelProcess> table =
        List.of(
            reader(2, State.UNUSED),
            reader(3, State.USED),
            reader(4, State.ZOMBIE),
            busy(5),
            reader(6, State.RUNNABLE));
    assertRefused(CheckpointModel.checkpoint(me, table, 99, 1), me, Rule.CKPT_NO_PROCESS);
    assertRefused(CheckpointModel.checkpoint(me, table, -1, 1), me, Rule.CKPT_NO_PROCESS);
    assertRefused(CheckpointModel.checkpoint(me, table, 2, 1), me, Rule.CKPT_NO_PROCESS);
    assertRefused(CheckpointModel.checkpoint(me, table, 3, 1), me, Rule.CKPT_NO_PROCESS);
    assertRefused(CheckpointModel.checkpoint(me, table, 4, 1), me, Rule.CKPT_ZOMBIE);
    assertRefused(CheckpointModel.checkpoint(me, table, 5, 1), me, Rule.CKPT_BUSY);
    assertThat(CheckpointModel.checkpoint(me, table, 6, 1))
        .isInstanceOf(CheckpointResult.Written.class);
  }

  @Test
  void pipesAndDevicesAreRefusedLowestFdFirst() {
    ModelProcess pipe = withFiles(stdioAnd(5, new ModelFile.Pipe(true, false)));
    assertRefused(CheckpointModel.checkpoint(pipe, List.of(), 0, 1), pipe, Rule.CKPT_PIPE);
    Map<Integer, ModelFile> both = stdioAnd(5, new ModelFile.Pipe(true, false));
    both.put(4, new ModelFile.Device(2, true, true));
    ModelProcess dev = withFiles(both);
    assertRefused(CheckpointModel.checkpoint(dev, List.of(), 0, 1), dev, Rule.CKPT_DEVICE);
  }

  @Test
  void restoreKeepsThePidAndTakesEverythingElseFromTheImage() {
    Image img = Samples.blocked();
    Map<Integer, ModelFile> mine = stdioAnd(5, new InodeFile("/dir", 9, 0, true, false));
    mine.put(1, new ModelFile.Pipe(false, true)); // stdout redirected into a pipe
    mine.remove(2); // and no stderr
    ModelProcess me = caller(30, mine);
    Image withFiles =
        Samples.withFiles(
            img,
            List.of(
                Image.OpenFile.console(0, true, true),
                Image.OpenFile.file(3, true, false, "/data.txt", 5, 100)));
    RestoreResult r = CheckpointModel.restore(me, new Verdict.Valid(withFiles), DISK);
    assertThat(r).isInstanceOf(RestoreResult.Restored.class);
    ModelProcess p = ((RestoreResult.Restored) r).process();
    assertThat(p.pid()).isEqualTo(30);
    assertThat(p.name()).isEqualTo("counter");
    assertThat(p.state()).isEqualTo(State.RUNNING);
    assertThat(p.sz()).isEqualTo(img.header().sz());
    assertThat(p.pages()).isEqualTo(img.pages());
    assertThat(p.regs()).isEqualTo(img.regs());
    assertThat(p.inSyscall()).isEqualTo(img.restart());
    // fd 0: the image's console; the pipe at 1 and the directory at 5 are closed; 3 reopened.
    assertThat(p.files())
        .containsExactly(
            0, new Console(true, true), 3, new InodeFile("/data.txt", 5, 100, true, false))
        .inOrder();
  }

  @Test
  void restoreKeepsTheCallersConsolesWhereTheImageHasNothing() {
    Image img = Samples.withFiles(Samples.plain(), List.of());
    ModelProcess me = caller(30, stdioAnd(4, new Console(true, true)));
    ModelProcess p =
        ((RestoreResult.Restored) CheckpointModel.restore(me, new Verdict.Valid(img), DISK))
            .process();
    assertThat(p.files()).isEqualTo(stdio());
  }

  @Test
  void aSelfCheckpointRestoredSeesTheCallReturnOne() {
    ModelProcess me = caller(7, stdio());
    Image img = written(CheckpointModel.checkpoint(me, List.of(), 0, 5));
    ModelProcess other =
        ModelProcess.of(
            12,
            "sh",
            State.RUNNING,
            0x3000,
            List.of(),
            Registers.zero(0x100).with(Registers.A7, Xv6.SYS_restore),
            stdio(),
            SyscallRestart.NONE);
    RestoreResult r = CheckpointModel.restoreFile(other, Optional.of(ImageCodec.encode(img)), DISK);
    ModelProcess p = ((RestoreResult.Restored) r).process();
    assertThat(p.regs().x(Registers.A0)).isEqualTo(1);
    assertThat(p.regs().pc()).isEqualTo(ECALL + 4);
    assertThat(p.pid()).isEqualTo(12);
  }

  @Test
  void restoreRefusalsLeaveTheCallerUntouchedButForTheCode() {
    ModelProcess me = caller(30, stdioAnd(3, new InodeFile("/dir", 9, 0, true, false)));
    assertRestoreRefused(
        CheckpointModel.restoreFile(me, Optional.empty(), DISK), me, Rule.RESTORE_NO_FILE);
    byte[] torn = java.util.Arrays.copyOf(ImageCodec.encode(Samples.plain()), 5000);
    assertRestoreRefused(
        CheckpointModel.restoreFile(me, Optional.of(torn), DISK), me, Rule.COMMIT_MISSING);
    assertRestoreRefused(
        CheckpointModel.restore(me, file("/gone", 5, 0, false), DISK),
        me,
        Rule.RESTORE_FILE_MISSING);
    assertRestoreRefused(
        CheckpointModel.restore(me, file("/data.txt", 6, 0, false), DISK),
        me,
        Rule.RESTORE_FILE_INODE);
    assertRestoreRefused(
        CheckpointModel.restore(me, file("/console", 11, 0, false), DISK),
        me,
        Rule.RESTORE_FILE_INODE);
    assertRestoreRefused(
        CheckpointModel.restore(me, file("/dir", 9, 0, true), DISK), me, Rule.RESTORE_FILE_INODE);
    assertRestoreRefused(
        CheckpointModel.restore(me, file("/data.txt", 5, 101, false), DISK),
        me,
        Rule.RESTORE_FILE_OFFSET);
    assertThat(CheckpointModel.restore(me, file("/data.txt", 5, 100, false), DISK))
        .isInstanceOf(RestoreResult.Restored.class);
    assertThat(CheckpointModel.restore(me, file("/dir", 9, 64, false), DISK))
        .isInstanceOf(RestoreResult.Restored.class);
  }

  @Test
  void theFirstUnreopenableRecordInFdOrderDecides() {
    ModelProcess me = caller(30, stdio());
    Image img =
        Samples.withFiles(
            Samples.plain(),
            List.of(
                Image.OpenFile.file(3, true, false, "/data.txt", 5, 500),
                Image.OpenFile.file(4, true, false, "/gone", 5, 0)));
    assertRestoreRefused(
        CheckpointModel.restore(me, new Verdict.Valid(img), DISK), me, Rule.RESTORE_FILE_OFFSET);
  }

  @Provide
  Arbitrary<Image> validImages() {
    return ImageArbitraries.validImages();
  }

  /**
   * Checkpointing a process as an image shows it and restoring that image into a caller with no
   * open files gives back the process, its pid aside (the disk still holds every file at least as
   * long as its offset).
   */
  @Property(tries = 150)
  void restoreUndoesAnExternalCheckpoint(@ForAll("validImages") Image image) {
    Set<String> seen = new HashSet<>();
    Image unique =
        Samples.withFiles(
            image,
            image.files().stream()
                .filter(f -> f.kind() == Image.Kind.CONSOLE || seen.add(f.path()))
                .toList());
    ModelProcess target = fromImage(unique);
    ModelProcess me = caller(target.pid() == 1 ? 2 : 1, Map.of());
    Image img =
        written(
            CheckpointModel.checkpoint(
                me, List.of(target), target.pid(), image.header().imageId()));
    assertThat(img).isEqualTo(unique);
    FileView disk =
        path ->
            unique.files().stream()
                .filter(f -> f.path().equals(path))
                .findFirst()
                .map(f -> new FileView.Inode(f.inum(), Xv6.T_FILE, 0xffff_ffffL));
    RestoreResult r = CheckpointModel.restore(me, new Verdict.Valid(img), disk);
    ModelProcess back = ((RestoreResult.Restored) r).process();
    assertThat(back.pid()).isEqualTo(me.pid());
    assertThat(back.pages()).isEqualTo(target.pages());
    assertThat(back.regs()).isEqualTo(target.regs());
    assertThat(back.inSyscall()).isEqualTo(target.inSyscall());
    assertThat(back.files()).isEqualTo(target.files());
    assertThat(back.sz()).isEqualTo(target.sz());
    assertThat(back.name()).isEqualTo(target.name());
  }

  /** The process an image describes, as a SLEEPING (or RUNNABLE) model process. */
  private static ModelProcess fromImage(Image img) {
    Map<Integer, ModelFile> files = new java.util.TreeMap<>();
    for (Image.OpenFile f : img.files()) {
      files.put(
          f.fd(),
          f.kind() == Image.Kind.CONSOLE
              ? new Console(f.readable(), f.writable())
              : new InodeFile(f.path(), f.inum(), f.offset(), f.readable(), f.writable()));
    }
    return ModelProcess.of(
        img.header().pid(),
        img.header().name(),
        img.restart().none() ? State.RUNNABLE : State.SLEEPING,
        img.header().sz(),
        img.pages(),
        img.regs(),
        files,
        img.restart());
  }

  private static ModelProcess busy(int pid) {
    Registers r = Samples.regs(ECALL).with(Registers.A7, 16);
    return ModelProcess.of(
        pid,
        "writer",
        State.SLEEPING,
        Samples.SZ,
        Samples.pages(),
        r,
        stdio(),
        Samples.restart(16, r, 0));
  }

  private static Verdict file(String path, long inum, long offset, boolean writable) {
    return new Verdict.Valid(
        Samples.withFiles(
            Samples.plain(), List.of(Image.OpenFile.file(3, true, writable, path, inum, offset))));
  }

  private static void assertRefused(CheckpointResult r, ModelProcess caller, Rule rule) {
    assertThat(r).isEqualTo(new CheckpointResult.Refused(rule, caller.returning(rule.code())));
    assertThat(((CheckpointResult.Refused) r).caller().regs().x(Registers.A0))
        .isEqualTo((long) rule.code());
  }

  private static void assertRestoreRefused(RestoreResult r, ModelProcess caller, Rule rule) {
    assertThat(r).isEqualTo(new RestoreResult.Refused(rule, caller.returning(rule.code())));
    ModelProcess after = ((RestoreResult.Refused) r).caller();
    assertThat(after.regs().pc()).isEqualTo(caller.regs().pc() + 4);
    assertThat(after.pages()).isEqualTo(caller.pages());
    assertThat(after.files()).isEqualTo(caller.files());
  }
}
