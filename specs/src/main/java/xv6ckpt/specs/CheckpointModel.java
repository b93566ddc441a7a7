package xv6ckpt.specs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ModelProcess.State;

/**
 * What checkpoint(pid, path) and restore(path) do to processes, as functions from the state before
 * to the state after: the oracle the harness holds the kernel against. FORMAT.md states the same
 * pre- and postconditions in prose.
 *
 * <p>The caller is given as it stands at its ecall: RUNNING, at user level, pc at the ecall. Every
 * outcome gives the caller back as the kernel returns to it (a0 = the result, pc + 4), except a
 * successful restore, after which the caller is the restored process.
 *
 * <p>Not modelled, because they depend on the disk and the allocator rather than on processes:
 * CKPT_PATH, CKPT_NOSPACE and RESTORE_NOMEM. Their conditions are in FORMAT.md; the harness
 * arranges for them not to arise when it compares kernel and model.
 */
public final class CheckpointModel {
  private CheckpointModel() {}

  /** checkpoint's outcome: the image written, or the rule it was refused by. */
  public sealed interface CheckpointResult {
    /** The image the file holds afterwards; the caller got 0. */
    record Written(Image image, ModelProcess caller) implements CheckpointResult {}

    /** Nothing was written (a file at path is unchanged); the caller got rule.code(). */
    record Refused(Rule rule, ModelProcess caller) implements CheckpointResult {}
  }

  /** restore's outcome: the process the caller became, or the rule it was refused by. */
  public sealed interface RestoreResult {
    /** The caller, replaced by the image's process; it did not see restore return. */
    record Restored(ModelProcess process) implements RestoreResult {}

    /** The caller untouched but for the return value rule.code(). */
    record Refused(Rule rule, ModelProcess caller) implements RestoreResult {}
  }

  /**
   * checkpoint(pid, path). pid 0 or the caller's own pid checkpoints the caller: the image's a0 is
   * 1 and its pc is past the ecall, so the restored process sees the call return 1. Another pid
   * checkpoints that process as it stands (at user level, or inside a restartable call with pc at
   * its ecall) and leaves it unchanged.
   *
   * <p>Refusals, checked in this order: CKPT_NO_PROCESS, CKPT_ZOMBIE, CKPT_BUSY (other pids only),
   * then the open files in fd order (CKPT_PIPE, CKPT_DEVICE for the lowest such fd).
   *
   * @param others every other process of the table (UNUSED slots may be left out)
   * @param imageId the id the kernel draws for this image from its seeded generator
   */
  public static CheckpointResult checkpoint(
      ModelProcess caller, List<ModelProcess> others, int pid, long imageId) {
    requireAtEcall(caller);
    if (pid == 0 || pid == caller.pid()) {
      Registers resumed = caller.regs().with(Registers.A0, 1).withPc(caller.regs().pc() + 4);
      return capture(caller, caller, resumed, SyscallRestart.NONE, imageId);
    }
    Optional<ModelProcess> found =
        others.stream().filter(p -> p.pid() == pid && p.state() != State.UNUSED).findFirst();
    if (found.isEmpty() || found.get().state() == State.USED) {
      return refuse(caller, Rule.CKPT_NO_PROCESS);
    }
    ModelProcess target = found.get();
    if (target.state() == State.ZOMBIE) {
      return refuse(caller, Rule.CKPT_ZOMBIE);
    }
    SyscallRestart in = target.inSyscall();
    if (!in.none() && !SyscallRestart.RESTARTABLE.contains(in.sysnum())) {
      return refuse(caller, Rule.CKPT_BUSY);
    }
    return capture(caller, target, target.regs(), in, imageId);
  }

  private static CheckpointResult capture(
      ModelProcess caller,
      ModelProcess target,
      Registers regs,
      SyscallRestart restart,
      long imageId) {
    List<OpenFile> files = new ArrayList<>();
    for (Map.Entry<Integer, ModelFile> e : target.files().entrySet()) {
      ModelFile f = e.getValue();
      int fd = e.getKey();
      if (f instanceof ModelFile.Pipe) {
        return refuse(caller, Rule.CKPT_PIPE);
      } else if (f instanceof ModelFile.Device) {
        return refuse(caller, Rule.CKPT_DEVICE);
      } else if (f instanceof ModelFile.Console c) {
        files.add(OpenFile.console(fd, c.readable(), c.writable()));
      } else {
        ModelFile.InodeFile i = (ModelFile.InodeFile) f;
        files.add(OpenFile.file(fd, i.readable(), i.writable(), i.path(), i.inum(), i.offset()));
      }
    }
    Image.Header h = new Image.Header(imageId, target.pid(), target.name(), target.sz());
    Image image = new Image(h, regs, restart, files, target.pages());
    return new CheckpointResult.Written(image, caller.returning(0));
  }

  private static CheckpointResult refuse(ModelProcess caller, Rule rule) {
    return new CheckpointResult.Refused(rule, caller.returning(rule.code()));
  }

  /**
   * restore(path) when path names a file (its bytes), or not (empty): RESTORE_NO_FILE, else as
   * {@link #restore(ModelProcess, Verdict, FileView)} on the file's verdict.
   */
  public static RestoreResult restoreFile(ModelProcess caller, Optional<byte[]> file, FileView fs) {
    if (file.isEmpty()) {
      requireAtEcall(caller);
      return new RestoreResult.Refused(
          Rule.RESTORE_NO_FILE, caller.returning(Rule.RESTORE_NO_FILE.code()));
    }
    return restore(caller, ImageCodec.decode(file.get()), fs);
  }

  /**
   * restore(path) of a file the decoder judged. All or nothing: every check comes before any
   * change. Refusals in this order: the image's rule if it is invalid; then for each file record in
   * fd order RESTORE_FILE_MISSING, RESTORE_FILE_INODE, RESTORE_FILE_OFFSET.
   *
   * <p>On success the caller keeps its pid and becomes the image's process: its name, sz, pages
   * with their permissions, registers and pc, and restart state (a process captured inside a call
   * issues it again). Its files: the caller's console descriptors among 0..2 stay open, every other
   * descriptor of the caller is closed, then each image record is opened at its fd (replacing a
   * kept console there): a console record as the console, a file record by path at its offset.
   */
  public static RestoreResult restore(ModelProcess caller, Verdict verdict, FileView fs) {
    requireAtEcall(caller);
    if (verdict instanceof Verdict.Invalid bad) {
      return new RestoreResult.Refused(bad.rule(), caller.returning(bad.rule().code()));
    }
    Image image = ((Verdict.Valid) verdict).image();
    for (OpenFile f : image.files()) {
      Optional<Rule> r = reopenRefusal(f, fs);
      if (r.isPresent()) {
        return new RestoreResult.Refused(r.get(), caller.returning(r.get().code()));
      }
    }
    ModelProcess restored =
        new ModelProcess(
            caller.pid(),
            image.header().name(),
            State.RUNNING,
            image.header().sz(),
            image.pages(),
            image.regs(),
            restoredFiles(caller, image),
            image.restart());
    return new RestoreResult.Restored(restored);
  }

  /** Why a file record cannot be reopened now, if it cannot. Console records always can. */
  private static Optional<Rule> reopenRefusal(OpenFile f, FileView fs) {
    if (f.kind() == Image.Kind.CONSOLE) {
      return Optional.empty();
    }
    Optional<FileView.Inode> now = fs.lookup(f.path());
    if (now.isEmpty()) {
      return Optional.of(Rule.RESTORE_FILE_MISSING);
    }
    FileView.Inode ip = now.get();
    boolean sameFile =
        ip.inum() == f.inum()
            && ip.type() != Xv6.T_DEVICE
            && !(ip.type() == Xv6.T_DIR && f.writable());
    if (!sameFile) {
      return Optional.of(Rule.RESTORE_FILE_INODE);
    }
    if (f.offset() > ip.size()) {
      return Optional.of(Rule.RESTORE_FILE_OFFSET);
    }
    return Optional.empty();
  }

  private static SortedMap<Integer, ModelFile> restoredFiles(ModelProcess caller, Image image) {
    SortedMap<Integer, ModelFile> files = new TreeMap<>();
    for (int fd = 0; fd <= 2; fd++) {
      if (caller.files().get(fd) instanceof ModelFile.Console c) {
        files.put(fd, c);
      }
    }
    for (OpenFile f : image.files()) {
      files.put(
          f.fd(),
          f.kind() == Image.Kind.CONSOLE
              ? new ModelFile.Console(f.readable(), f.writable())
              : new ModelFile.InodeFile(
                  f.path(), f.inum(), f.offset(), f.readable(), f.writable()));
    }
    return files;
  }

  private static void requireAtEcall(ModelProcess caller) {
    if (caller.state() != State.RUNNING || !caller.inSyscall().none()) {
      throw new IllegalArgumentException(
          "the caller must be RUNNING at user level, at its "
              + "ecall; got "
              + caller.state()
              + " in syscall "
              + caller.inSyscall().sysnum());
    }
  }
}
