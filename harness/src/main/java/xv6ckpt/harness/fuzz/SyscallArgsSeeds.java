package xv6ckpt.harness.fuzz;

import static xv6ckpt.testkit.Xv6Abi.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import xv6ckpt.kernel.Exhaustion;

/**
 * Seeds of syscall-args that run a fixed table of the kernel out (issue 15, item 2), each with what
 * it must reach: an {@link Exhaustion} the machine reports (the calls that found the table full got
 * xv6's -1, and the target still passes: no leak, clean fsck, the kernel-wide invariant at every
 * call's return), or an accepted panic by name ({@link Verdicts#ACCEPTED_PANICS}). {@code
 * main(dir)} writes them as files "seed-exhaust-NAME"; {@code SyscallArgsExhaustionTest} checks
 * that the committed files are these bytes and that each still reaches its table.
 *
 * <p>Most tables need more calls than one table of 48 holds, so the seeds fork first: every child
 * runs the rest of the table, and children forked after an open share its offset, which tells them
 * apart (each read of a shared file gets the next bytes).
 */
public final class SyscallArgsSeeds {
  private SyscallArgsSeeds() {}

  /** One seed: its name, the input, and the table it fills or the accepted panic it meets. */
  record Seed(
      String name, byte[] input, Optional<Exhaustion> reaches, Optional<String> acceptedPanic) {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Seed s : all()) {
      Files.write(dir.resolve("seed-exhaust-" + s.name()), s.input());
    }
  }

  /** The path slots the seeds use: 8.. are the input's own, 15 is left empty for a read. */
  private static final int SLOT_A = 8;

  private static final int READ_SLOT = 15;
  private static final long README = path(0);
  private static final long ROOT_X = path(SLOT_A + 7); // "/x"

  static List<Seed> all() {
    List<Seed> out = new ArrayList<>();
    out.add(reaching("processes", Exhaustion.PROCESSES, forks(7).call(SYS_sleep, 100)));
    out.add(reaching("descriptors", Exhaustion.DESCRIPTORS, opens(new Table(), 14)));
    out.add(
        reaching("open-files", Exhaustion.OPEN_FILES, opens(forks(3), 13).call(SYS_sleep, 100)));
    out.add(reaching("pipes-descriptors", Exhaustion.DESCRIPTORS, pipes(new Table(), 7)));
    out.add(
        reaching(
            "pipes-open-files",
            Exhaustion.OPEN_FILES,
            pipes(forks(opens(new Table(), 1), 3), 7).call(SYS_sleep, 100)));
    out.add(reaching("disk-inodes", Exhaustion.DISK_INODES, diskInodes()));
    out.add(reaching("disk-blocks", Exhaustion.DISK_BLOCKS, diskBlocks()));
    out.add(
        new Seed("inodes", inodeTable().bytes(), Optional.empty(), Optional.of("iget: no inodes")));
    return out;
  }

  private static Seed reaching(String name, Exhaustion e, Table t) {
    return new Seed(name, t.bytes(), Optional.of(e), Optional.empty());
  }

  /**
   * fork n times: 2^n processes wanted (NPROC caps them once they stay alive: a process runs its
   * whole table in one quantum, so without a sleep each exits before most of the others start).
   */
  private static Table forks(int n) {
    return forks(new Table(), n);
  }

  private static Table forks(Table t, int n) {
    for (int i = 0; i < n; i++) {
      t.call(SYS_fork);
    }
    return t;
  }

  /** n opens of /README in each process. */
  private static Table opens(Table t, int n) {
    for (int i = 0; i < n; i++) {
      t.call(SYS_open, README, O_RDONLY);
    }
    return t;
  }

  /**
   * n pipes in each process (two file-table entries and two descriptors each). To fill the file
   * table, an odd number of entries must be free when the pipes start (pipes-open-files opens one
   * file before forking: 95 free), so that the last pipe gets its read end and not its write end:
   * the error path that must give the read end back.
   */
  private static Table pipes(Table t, int n) {
    for (int i = 0; i < n; i++) {
      t.call(SYS_pipe, UserPrograms.BUF + 8L * i);
    }
    return t;
  }

  /**
   * Eight processes each make a directory named by the next byte of /README (open before the forks,
   * so they share its offset: "x", "v", "6", "-", "c", "k", "p", "t"), go in, and make seven more
   * in it: 64 wanted, the disk has 56 free.
   */
  private static Table diskInodes() {
    Table t = new Table("a", "b", "c", "d", "e", "f", "g");
    t.call(SYS_open, README, O_RDONLY); // fd 3
    t.call(SYS_fork).call(SYS_fork).call(SYS_fork);
    t.call(SYS_read, 3, path(READ_SLOT), 1);
    t.call(SYS_mkdir, path(READ_SLOT)).call(SYS_chdir, path(READ_SLOT));
    for (int i = 0; i < 7; i++) {
      t.call(SYS_mkdir, path(SLOT_A + i));
    }
    return t;
  }

  /**
   * Three files grown by four processes through shared offsets, 8 KiB a write: more than the disk's
   * free blocks (each file stops at the largest file first).
   */
  private static Table diskBlocks() {
    Table t = new Table("/a", "/b", "/c");
    for (int i = 0; i < 3; i++) {
      t.call(SYS_open, path(SLOT_A + i), O_CREATE | O_RDWR); // fds 3, 4, 5
    }
    t.call(SYS_fork).call(SYS_fork);
    for (int i = 0; i < 14; i++) {
      for (int fd = 3; fd <= 5; fd++) {
        t.call(SYS_write, fd, UserPrograms.BUF, UserPrograms.BUF_BYTES);
      }
    }
    return t;
  }

  /**
   * Every process makes "/x", goes in and removes its name, then sleeps: each holds a different
   * directory as its cwd, more than the NINODE in-memory inodes (xv6: "iget: no inodes").
   */
  private static Table inodeTable() {
    Table t = new Table("", "", "", "", "", "", "", "/x");
    for (int i = 0; i < 6; i++) {
      t.call(SYS_fork);
    }
    t.call(SYS_mkdir, ROOT_X).call(SYS_chdir, ROOT_X).call(SYS_unlink, ROOT_X);
    t.call(SYS_sleep, 100);
    return t;
  }

  private static long path(int slot) {
    return UserPrograms.PATHS + (long) slot * UserPrograms.PATH_SLOT;
  }

  /** A call table in syscall-args' input form: numbers 1..21, every argument a raw i64. */
  private static final class Table {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int calls;

    /** A table whose input path slots 8.. hold these strings. */
    Table(String... paths) {
      out.write(paths.length);
      for (String p : paths) {
        byte[] b = p.getBytes(StandardCharsets.US_ASCII);
        out.write(b.length);
        out.write(b, 0, b.length);
      }
      out.write(0); // an empty data buffer (u16 length)
      out.write(0);
    }

    Table call(int number, long... args) {
      if (number < 1 || number > SYS_MAX_STOCK || ++calls > UserPrograms.MAX_CALLS) {
        throw new IllegalArgumentException("call " + number + " as call " + calls);
      }
      out.write(number - 1); // SyscallArgsTarget.number: 1 + b % SYS_MAX_STOCK
      for (int i = 0; i < 6; i++) {
        out.write(1); // kind 1: a raw i64
        long v = i < args.length ? args[i] : 0;
        for (int k = 0; k < 8; k++) {
          out.write((int) (v >>> (8 * k)));
        }
      }
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
