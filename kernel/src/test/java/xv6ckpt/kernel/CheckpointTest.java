package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T6;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.kernel.CheckpointImage.Image;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * checkpoint and restore end to end, kernel-only facts: self and external checkpoints, targets
 * blocked in sleep, wait and a console read, open files, the caller untouched by a failed restore.
 * (The harness holds every image against the spec's decoder and model.)
 */
class CheckpointTest {

  private static Machine runClean(Map<String, byte[]> files, int status) {
    Machine m = Machines.runner(files);
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(status));
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.kalloc().freePages()).isEqualTo(before);
    assertThat(m.files().openFiles()).isEqualTo(0);
    assertThat(m.log().outstanding()).isEqualTo(0);
    return m;
  }

  @Test
  void selfCheckpointRestoredSeesOneAndItsMemoryAsItWas() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.la(T0, "bss").li(T1, 111).sd(T1, 0, T0);
    p.a.li(A0, 0);
    p.checkpoint("path");
    long after = p.a.pc(); // where the restored process resumes
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 2);
    p.a.la(T0, "bss").li(T1, 222).sd(T1, 0, T0);
    p.restore("path");
    p.exit(3);
    p.a.label("restored").la(T0, "bss").ld(A0, 0, T0);
    p.check(111, 4);
    p.sys(SYS_getpid).check(2, 5);
    p.exit(0);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    assertThat(m.output()).isEmpty();
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    assertThat(im.pid()).isEqualTo(2);
    assertThat(new String(im.name(), ISO_8859_1)).isEqualTo("prog");
    assertThat(im.reg(10)).isEqualTo(1);
    assertThat(im.pc()).isEqualTo(after);
    assertThat(im.sysnum()).isEqualTo(0);
    assertThat(im.files().stream().map(f -> f.fd()).toList()).containsExactly(0, 1, 2);
    assertThat(Ckpt.hasTemporary(m, "/")).isFalse();
  }

  @Test
  void ownPidIsTheCallerToo() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.sys(SYS_getpid);
    p.checkpoint("path");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 2);
    p.restore("path");
    p.exit(3);
    p.a.label("restored");
    p.exit(0);
    runClean(Map.of("prog", p.elf()), 0);
  }

  @Test
  void sleeperCheckpointedFromOutsideKeepsRunningAndItsImageSleepsTheRest() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.sys(SYS_fork).checkNonNegative(1);
    p.a.beqz(A0, "child").mv(S1, A0);
    p.a.li(A0, 2);
    p.sys(SYS_sleep); // the child runs and blocks in its sleep
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.check(0, 2);
    p.a.la(A0, "bss");
    p.sys(SYS_wait);
    p.a.la(T0, "bss").lw(A0, 0, T0);
    p.check(42, 3); // the target went on and finished
    p.restore("path");
    p.exit(4);
    p.a.label("child").li(A0, 20);
    p.sys(SYS_sleep);
    p.exit(42);
    Machine m = runClean(Map.of("prog", p.elf()), 42); // the restored child's status
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    assertThat(im.pid()).isEqualTo(3);
    assertThat(im.sysnum()).isEqualTo(SYS_sleep);
    assertThat(im.args()[0]).isEqualTo(20);
    assertThat(im.progress()).isAtLeast(1);
    assertThat(im.progress()).isLessThan(20);
    assertThat(im.reg(17)).isEqualTo(SYS_sleep);
  }

  @Test
  void targetBlockedInWaitIsRestoredToWaitAgainForTheCallersChildren() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.sys(SYS_fork).checkNonNegative(1);
    p.a.beqz(A0, "c").mv(S1, A0);
    p.a.li(A0, 2);
    p.sys(SYS_sleep);
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.check(0, 2);
    p.a.la(A0, "bss");
    p.sys(SYS_wait);
    p.a.la(T0, "bss").lw(A0, 0, T0);
    p.check(10, 3); // C reaped D (9) and exited 10
    p.sys(SYS_fork);
    p.a.beqz(A0, "e");
    p.restore("path");
    p.exit(4);
    p.a.label("e");
    p.exit(7);
    // C: forks D and waits for it; exits D's status + 1, or 50 if it has no child.
    p.a.label("c");
    p.sys(SYS_fork);
    p.a.beqz(A0, "d");
    p.a.la(A0, "bss").addi(A0, A0, 64);
    p.sys(SYS_wait);
    p.a.bltz(A0, "nokids").la(T0, "bss").lw(A0, 64, T0).addi(A0, A0, 1);
    p.sys(SYS_exit);
    p.a.label("nokids");
    p.exit(50);
    p.a.label("d").li(A0, 5);
    p.sys(SYS_sleep);
    p.exit(9);
    Machine m = runClean(Map.of("prog", p.elf()), 8); // the image's wait reaped E (7)
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    assertThat(im.sysnum()).isEqualTo(SYS_wait);
    assertThat(im.progress()).isEqualTo(0);
  }

  @Test
  void targetBlockedInConsoleReadReadsAgainOnceRestored() {
    blockedInConsoleReadRestored(SYS_read);
  }

  /**
   * xv6's syscall() reads a7 into an int: a read issued with bits above 31 set is a read, and its
   * image's sysnum is a7's low 32 bits (the kernel took it for another call, CKPT_BUSY, and the
   * decoders compared all 64 bits).
   */
  @Test
  void aReadWhoseA7HasHighBitsIsCheckpointedAsARead() {
    blockedInConsoleReadRestored(0x5_0000_0000L | SYS_read);
  }

  /** A child blocked in a console read issued with {@code a7} is checkpointed, killed, restored. */
  private static void blockedInConsoleReadRestored(long a7) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.sys(SYS_fork).checkNonNegative(1);
    p.a.beqz(A0, "r").mv(S1, A0);
    p.a.li(A0, 2);
    p.sys(SYS_sleep);
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.check(0, 2);
    p.a.mv(A0, S1);
    p.sys(SYS_kill);
    p.a.li(A0, 0);
    p.sys(SYS_wait);
    p.restore("path");
    p.exit(4);
    p.a.label("r");
    p.a.li(A0, 0).la(A1, "bss").li(A2, 64);
    p.sys(a7);
    p.a.mv(S2, A0).mv(A2, A0).li(A0, 1).la(A1, "bss");
    p.sys(SYS_write);
    p.a.mv(A0, S2);
    p.sys(SYS_exit);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    Machines.spawn(m, "prog");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    m.consoleInput("hello\n");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(6));
    assertThat(m.output()).isEqualTo("hello\nhello\n");
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    assertThat(im.sysnum()).isEqualTo(SYS_read);
    assertThat(im.x()[17 - 1]).isEqualTo(a7);
    assertThat(im.args()[2]).isEqualTo(64);
    assertThat(im.progress()).isEqualTo(0);
  }

  @Test
  void pipeReadersAndBlockedPipeWritersAreRefused() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(0, 1); // fds 3 (read), 4 (write): the reader's pipe
    p.a.la(A0, "bss").addi(A0, A0, 8);
    p.sys(SYS_pipe).check(0, 2); // fds 5, 6: the writer's pipe
    p.sys(SYS_fork);
    p.a.beqz(A0, "reader").mv(S1, A0);
    p.sys(SYS_fork);
    p.a.beqz(A0, "writer").mv(S2, A0);
    p.a.li(A0, 2);
    p.sys(SYS_sleep); // the reader blocks on an empty pipe, the writer on a full one
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_PIPE, 3); // inside read, but it holds a pipe
    p.a.mv(A0, S2);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_BUSY, 4); // inside write: not restartable
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_PIPE, 5); // the caller itself holds pipes
    for (int reg : new int[] {S1, S2}) {
      p.a.mv(A0, reg);
      p.sys(SYS_kill);
      p.a.li(A0, 0);
      p.sys(SYS_wait);
    }
    p.exit(0);
    p.a.label("reader").li(A0, 3).la(A1, "bss").addi(A1, A1, 64).li(A2, 10);
    p.sys(SYS_read);
    p.exit(5);
    p.a.label("writer").li(A0, 6).la(A1, "bss").li(A2, 1000);
    p.sys(SYS_write);
    p.exit(6);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    assertThat(m.output())
        .isEqualTo(
            "checkpoint: CKPT_PIPE (-5): pid 3 fd 3 is a pipe\n"
                + "checkpoint: CKPT_BUSY (-4): pid 4 is inside system call "
                + SYS_write
                + "\n"
                + "checkpoint: CKPT_PIPE (-5): pid 2 fd 3 is a pipe\n");
    assertThat(Ckpt.read(m, "/img")).isEmpty();
  }

  @Test
  void refusalsComeBeforeAnythingIsWrittenEachWithOneConsoleLine() {
    UserProgram p =
        new UserProgram(KERNEL_TESTS)
            .str("path", "img")
            .str("nodir", "nodir/img")
            .str("root", "/")
            .str("console", "console")
            .str("dir", "d")
            .str("dev", "dev2");
    p.a.li(A0, 999);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_NO_PROCESS, 1);
    p.sys(SYS_fork);
    p.a.beqz(A0, "child").mv(S1, A0).li(A0, 2);
    p.sys(SYS_sleep); // the child exits: a zombie until waited for
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_ZOMBIE, 2);
    p.a.li(A0, 0);
    p.sys(SYS_wait);
    p.a.li(A0, 0).li(A1, 0x10000000L);
    p.sys(SYS_checkpoint).check(-1, 3);
    int code = 4;
    p.a.la(A0, "dir");
    p.sys(SYS_mkdir).check(0, code++);
    for (String path : new String[] {"nodir", "root", "console", "dir"}) {
      p.a.li(A0, 0);
      p.checkpoint(path);
      p.check(CheckpointImage.CKPT_PATH, code++);
    }
    p.a.la(A0, "dev").li(A1, 2).li(A2, 0);
    p.sys(SYS_mknod).check(0, code++);
    p.a.la(A0, "dev").li(A1, Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(3, code++);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_DEVICE, code++);
    p.exit(0);
    p.a.label("child");
    p.exit(0);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    assertThat(m.output().lines().map(l -> l.substring(0, l.indexOf(')') + 1)).toList())
        .containsExactly(
            "checkpoint: CKPT_NO_PROCESS (-2)",
            "checkpoint: CKPT_ZOMBIE (-3)",
            "checkpoint: CKPT_PATH (-7)",
            "checkpoint: CKPT_PATH (-7)",
            "checkpoint: CKPT_PATH (-7)",
            "checkpoint: CKPT_PATH (-7)",
            "checkpoint: CKPT_DEVICE (-6)")
        .inOrder();
    assertThat(Ckpt.read(m, "/img")).isEmpty();
    assertThat(Ckpt.hasTemporary(m, "/")).isFalse();
  }

  @Test
  void anImageTooLargeForAFileOrTheFreeBlocksIsRefusedAndNothingIsLeft() {
    // A stock file system: files of at most 268 KiB.
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, 300 * 1024).li(A1, 1);
    p.sys(SYS_sbrk).checkNonNegative(1);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_NOSPACE, 2);
    p.exit(0);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    assertThat(m.output()).startsWith("checkpoint: CKPT_NOSPACE (-8)");
    // A big-files disk with too few free blocks for 2.5 MiB.
    UserProgram q = new UserProgram(KERNEL_TESTS).str("path", "img");
    q.a.li(A0, 2500 * 1024).li(A1, 1);
    q.sys(SYS_sbrk).checkNonNegative(1);
    q.a.li(A0, 0);
    q.checkpoint("path");
    q.check(CheckpointImage.CKPT_NOSPACE, 2);
    q.exit(0);
    Machine n = Ckpt.runner(Ckpt.bigDisk(2400, Map.of("prog", q.elf())), 16);
    long free = xv6ckpt.kernel.fs.LargeFiles.freeBlocks(n.fs());
    Machines.spawn(n, "prog");
    assertThat(Machines.finish(n)).isEqualTo(Machines.exited(0));
    assertThat(xv6ckpt.kernel.fs.LargeFiles.freeBlocks(n.fs())).isEqualTo(free);
    assertThat(Ckpt.hasTemporary(n, "/")).isFalse();
  }

  @Test
  void openFilesComeBackAtTheirOffsetsAndTheCallersOtherFilesAreClosed() {
    UserProgram p =
        new UserProgram(KERNEL_TESTS)
            .str("path", "img")
            .str("data", "data")
            .str("other", "other")
            .str("ok", "ok\n");
    p.a.la(A0, "data").li(A1, Xv6Abi.O_RDONLY);
    p.sys(SYS_open).check(3, 1);
    p.a.li(A0, 3).la(A1, "bss").li(A2, 4);
    p.sys(SYS_read).check(4, 2);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 3);
    p.a.li(A0, 3).la(A1, "bss").li(A2, 4);
    p.sys(SYS_read).check(4, 4); // the original moves on to offset 8
    p.a.la(A0, "other").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(4, 5);
    p.restore("path");
    p.exit(6);
    p.a.label("restored").li(A0, 3).la(A1, "bss").li(A2, 2);
    p.sys(SYS_read).check(2, 7);
    p.a.la(T0, "bss").lbu(A0, 0, T0);
    p.check('4', 8);
    p.a.la(T0, "bss").lbu(A0, 1, T0);
    p.check('5', 9);
    p.a.li(A0, 4).la(A1, "bss");
    p.sys(SYS_fstat).check(-1, 10); // fd 4 was not in the image: closed
    p.print(1, "ok");
    p.exit(0);
    Map<String, byte[]> files = new HashMap<>();
    files.put("prog", p.elf());
    files.put("data", "0123456789".getBytes(ISO_8859_1));
    Machine m = runClean(files, 0);
    assertThat(m.output()).isEqualTo("ok\n");
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    CheckpointImage.FileRecord r = im.files().get(3);
    assertThat(r.fd()).isEqualTo(3);
    assertThat(new String(r.path(), ISO_8859_1)).isEqualTo("/data");
    assertThat(r.offset()).isEqualTo(4);
    assertThat(r.mode()).isEqualTo(CheckpointImage.MODE_READ);
  }

  @Test
  void lazyHolesStayHolesAndReadAsZeroAfterRestore() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, 1 << 20).li(A1, SysProc.SBRK_LAZY);
    p.sys(SYS_sbrk).checkNonNegative(1);
    p.a.mv(S1, A0).li(T1, 0x5a5a).sd(T1, 0, S1);
    p.a.li(T0, 512 * 1024).add(T0, T0, S1).sd(T1, 0, T0);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 2);
    p.a.sd(0, 0, S1);
    p.restore("path");
    p.exit(3);
    p.a.label("restored").ld(A0, 0, S1);
    p.check(0x5a5a, 4);
    p.a.li(T0, 256 * 1024).add(T0, T0, S1).ld(A0, 0, T0);
    p.check(0, 5); // never touched: a hole, faulted in as zeros
    p.exit(0);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    long heap = java.util.Arrays.stream(im.va()).filter(v -> v >= im.sz() - (1 << 20)).count();
    assertThat(heap).isEqualTo(2);
    assertThat(im.sz() - im.va()[im.npages() - 1]).isGreaterThan(256 * 1024);
  }

  @Test
  void guardPageIsInTheImageWithoutU() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.exit(0);
    Machine m = runClean(Map.of("prog", p.elf()), 0);
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    int n = im.npages();
    assertThat(im.perm()[n - 1]).isEqualTo((int) (Riscv.PTE_R | Riscv.PTE_W | Riscv.PTE_U));
    assertThat(im.perm()[n - 2]).isEqualTo((int) (Riscv.PTE_R | Riscv.PTE_W)); // the guard
    assertThat(im.perm()[0] & (int) Riscv.PTE_X).isNotEqualTo(0);
  }

  @Test
  void pathsOfFilesOpenedRelativeToTheCwdSurviveASnapshotAndReset() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "/img").str("d", "d").str("x", "./x");
    p.a.la(A0, "d");
    p.sys(SYS_mkdir).check(0, 1);
    p.a.la(A0, "d");
    p.sys(SYS_chdir).check(0, 2);
    p.a.la(A0, "x").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(3, 3);
    Ckpt.readConsole(p, "bss", 8);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(0, 4);
    p.exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    Machines.spawn(m, "prog");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    Machine.Snapshot s = m.snapshot();
    m.consoleInput("a\n");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    m.reset(s);
    m.consoleInput("b\n");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    Image im = Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    assertThat(new String(im.files().get(3).path(), ISO_8859_1)).isEqualTo("/d/x");
  }

  @Test
  void absolutePathsAreNormalizedAsNameiWouldWalkThem() {
    assertThat(abs("/", "a")).isEqualTo("/a");
    assertThat(abs("/d", "a/./b//c")).isEqualTo("/d/a/b/c");
    assertThat(abs("/d/e", "../../../x")).isEqualTo("/x");
    assertThat(abs("/d", "/y/..")).isEqualTo("/");
    assertThat(abs("/", "abcdefghijklmnopq/r")).isEqualTo("/abcdefghijklmn/r");
    assertThat(abs("/d", "")).isEqualTo("/d");
  }

  private static String abs(String cwd, String path) {
    return new String(
        SysFile.absolutePath(cwd.getBytes(ISO_8859_1), path.getBytes(ISO_8859_1)), ISO_8859_1);
  }
}
