package xv6ckpt.specs;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * A process as checkpoint and restore see it: the parts of xv6's {@code struct proc} they read or
 * replace. Values only; every change makes a new one.
 *
 * <ul>
 *   <li>{@code pages}: every mapped user page below PGROUNDUP(sz), in increasing va order, with its
 *       permission bits (a page without PTE_U is the stack guard); unmapped pages are holes.
 *   <li>{@code regs}: the user registers as the process would resume with them. A process inside a
 *       system call has pc at that call's ecall and a0..a5, a7 as it issued it.
 *   <li>{@code files}: open descriptors by fd.
 *   <li>{@code inSyscall}: the call the process is inside and its progress, or {@link
 *       SyscallRestart#NONE} when it is at user level.
 * </ul>
 *
 * The constructor checks only the model's own shape (names, fds, page order); whether a process
 * makes a valid image is what checkpoint and the decoder decide.
 */
public record ModelProcess(
    int pid,
    String name,
    State state,
    long sz,
    List<Page> pages,
    Registers regs,
    SortedMap<Integer, ModelFile> files,
    SyscallRestart inSyscall) {

  /** xv6's procstate. */
  public enum State {
    UNUSED,
    USED,
    SLEEPING,
    RUNNABLE,
    RUNNING,
    ZOMBIE
  }

  public ModelProcess {
    byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
    if (n.length >= Xv6.PROC_NAME || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("process name " + name + ": at most 15 bytes, no NUL");
    }
    pages = List.copyOf(pages);
    for (int k = 1; k < pages.size(); k++) {
      if (pages.get(k).va() <= pages.get(k - 1).va()) {
        throw new IllegalArgumentException(
            "pages out of order at 0x" + Long.toHexString(pages.get(k).va()));
      }
    }
    for (int fd : files.keySet()) {
      if (fd < 0 || fd >= Xv6.NOFILE) {
        throw new IllegalArgumentException("fd " + fd + " outside 0.." + (Xv6.NOFILE - 1));
      }
    }
    files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  /** A process with the given open files (any map; kept sorted by fd). */
  public static ModelProcess of(
      int pid,
      String name,
      State state,
      long sz,
      List<Page> pages,
      Registers regs,
      Map<Integer, ModelFile> files,
      SyscallRestart inSyscall) {
    return new ModelProcess(pid, name, state, sz, pages, regs, new TreeMap<>(files), inSyscall);
  }

  /** This process after a system call returned v: a0 = v, pc past the ecall. */
  public ModelProcess returning(long v) {
    Registers r = regs.with(Registers.A0, v).withPc(regs.pc() + 4);
    return new ModelProcess(pid, name, state, sz, pages, r, files, inSyscall);
  }
}
