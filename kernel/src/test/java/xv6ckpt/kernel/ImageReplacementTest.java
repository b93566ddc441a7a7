package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.ImageFile;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.LargeFiles;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Issue 12, bugs 1, 2, 4 and 5: what a checkpoint may do to the files around its image. It changes
 * only path's name and its own temporary (a name no path can spell); every other name keeps its
 * bytes; ids differ across boots of one disk; a too-large image says why.
 */
class ImageReplacementTest {
  private static final byte[] MINE = "mine\n".getBytes(StandardCharsets.ISO_8859_1);

  /** checkpoint(0, each path in turn), each expected to return 0; then exit 0. */
  private static byte[] checkpoints(String... paths) {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    for (int i = 0; i < paths.length; i++) {
      p.str("p" + i, paths[i]);
      p.a.li(A0, 0);
      p.checkpoint("p" + i);
      p.check(0, 10 + i);
    }
    p.exit(0);
    return p.elf();
  }

  /** link(from, to) and checkpoint(0, path), each expected to return 0; then exit 0. */
  private static byte[] linkThenCheckpoint(String from, String to, String path) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("from", from).str("to", to).str("path", path);
    p.a.la(A0, "from").la(A1, "to");
    p.sys(Xv6Abi.SYS_link).check(0, 1);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(0, 2);
    p.exit(0);
    return p.elf();
  }

  /** Byte arrays compared without printing them (images are large). */
  private static void sameBytes(byte[] got, byte[] want) {
    assertWithMessage("%s bytes, want %s bytes equal to the expected ones", got.length, want.length)
        .that(Arrays.equals(got, want))
        .isTrue();
  }

  /** The directory holds no entry under the kernel's temporary name. */
  private static void noTemporary(Machine m, String dir) {
    assertWithMessage("a temporary in %s", dir).that(Ckpt.hasTemporary(m, dir)).isFalse();
  }

  @Test
  void overwritingAnImageLeavesItsOtherLinksHoldingTheOldBytes() throws Exception {
    MemoryBlockDevice d =
        Machines.image(
            Map.of(
                "first", checkpoints("img"), "second", linkThenCheckpoint("img", "backup", "img")));
    Machine m = Machines.runner(d, Machines.CONFIG);
    long free = LargeFiles.freeBlocks(m.fs());
    assertThat(Machines.run(m, "first")).isEqualTo(Machines.exited(0));
    byte[] old = Ckpt.read(m, "/img").orElseThrow();
    assertThat(Machines.run(m, "second")).isEqualTo(new Machine.Outcome.Exited(3, 0));
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.output()).isEmpty();
    byte[] backup = Ckpt.read(m, "/backup").orElseThrow();
    sameBytes(backup, old); // bug 1: it was 0 bytes
    byte[] now = Ckpt.read(m, "/img").orElseThrow();
    assertThat(Ckpt.image(now).imageId()).isNotEqualTo(Ckpt.image(old).imageId());
    assertThat(FileSystem.of(m.fs()).stat("/backup").nlink()).isEqualTo(1);
    noTemporary(m, "/");
    assertThat(Fsck.check(d).violations()).isEmpty();
    // Both images are whole files: removing them gives back every block they took.
    FileSystem.of(m.fs()).unlink("/img");
    FileSystem.of(m.fs()).unlink("/backup");
    assertThat(LargeFiles.freeBlocks(m.fs())).isEqualTo(free);
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void aUsersOwnDotCkptDotTmpIsAnOrdinaryFileAndNoDirectoryOfThatNameGetsInTheWay()
      throws Exception {
    MemoryBlockDevice d =
        Machines.image(
            Map.of(".ckpt.tmp", MINE, "prog", checkpoints("img", "d/img", "e/.ckpt.tmp")));
    FileSystem host = FileSystem.mount(d);
    host.link("/.ckpt.tmp", "/mine");
    host.mkdir("/d");
    host.mkdir("/d/.ckpt.tmp");
    host.mkdir("/e");
    host.writeFile("/e/.ckpt.tmp", MINE);
    host.link("/e/.ckpt.tmp", "/e/keep");
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    assertThat(m.output()).isEmpty();
    // bug 2: the user's .ckpt.tmp and its link were truncated and became the image
    sameBytes(Ckpt.read(m, "/.ckpt.tmp").orElseThrow(), MINE);
    sameBytes(Ckpt.read(m, "/mine").orElseThrow(), MINE);
    Ckpt.image(Ckpt.read(m, "/img").orElseThrow());
    // ... and a directory of that name made every checkpoint in /d fail with CKPT_PATH
    assertThat(FileSystem.of(m.fs()).stat("/d/.ckpt.tmp").type()).isEqualTo(Stat.T_DIR);
    Ckpt.image(Ckpt.read(m, "/d/img").orElseThrow());
    // A user's .ckpt.tmp is a path like any other: overwriting it keeps its other link.
    Ckpt.image(Ckpt.read(m, "/e/.ckpt.tmp").orElseThrow());
    sameBytes(Ckpt.read(m, "/e/keep").orElseThrow(), MINE);
    for (String dir : List.of("/", "/d", "/e")) {
      noTemporary(m, dir);
    }
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  /** Links inode inum as the kernel's temporary in the root, as a crash can leave it. */
  private static void staleTemporary(MemoryBlockDevice d, String target) throws Exception {
    FileSystem host = FileSystem.mount(d);
    long inum = host.stat(target).ino();
    Fs fs = host.fs();
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    Inode ip = fs.iget(inum);
    fs.ilock(ip);
    ip.setNlink((short) (ip.nlink() + 1));
    fs.iupdate(ip);
    fs.iunlock(ip);
    Inode root = fs.root();
    fs.ilock(root);
    assertThat(fs.dirlink(root, ImageFile.TMP, inum)).isTrue();
    fs.iunlockput(root);
    fs.iput(ip);
    fs.log().endOp(Param.MAXOPBLOCKS);
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void aStaleTemporaryWithOtherLinksLosesOnlyItsName() throws Exception {
    byte[] big = new byte[40_000];
    Arrays.fill(big, (byte) 'b');
    MemoryBlockDevice d = Machines.image(Map.of("kept", big, "prog", checkpoints("img")));
    staleTemporary(d, "/kept"); // a crash after the swap of an image linked as /kept too
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Ckpt.hasTemporary(m, "/")).isTrue();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    sameBytes(Ckpt.read(m, "/kept").orElseThrow(), big);
    assertThat(FileSystem.of(m.fs()).stat("/kept").nlink()).isEqualTo(1);
    noTemporary(m, "/");
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void aStaleTemporaryThatIsItsFilesLastNameIsFreed() throws Exception {
    byte[] big = new byte[40_000];
    MemoryBlockDevice d = Machines.image(Map.of("old", big, "prog", checkpoints("img")));
    staleTemporary(d, "/old");
    FileSystem.mount(d).unlink("/old"); // now only the temporary names it
    long free = LargeFiles.freeBlocks(FileSystem.mount(d).fs());
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    noTemporary(m, "/");
    long image = LargeFiles.blocksFor(Ckpt.read(m, "/img").orElseThrow().length);
    assertThat(LargeFiles.freeBlocks(m.fs()))
        .isEqualTo(free + LargeFiles.blocksFor(big.length) - image);
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  /** open(path) kept open, checkpoint(0, path) again, then exit 0 (closing it). */
  private static byte[] holdAndOverwrite(String path) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", path);
    p.a.la(A0, "path").li(A1, Xv6Abi.O_RDONLY);
    p.sys(Xv6Abi.SYS_open).checkNonNegative(1);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(0, 2);
    p.exit(0);
    return p.elf();
  }

  @Test
  void anOldImageStillOpenIsParkedUnderAKernelNameUntilAfterItsLastClose() throws Exception {
    MemoryBlockDevice d =
        Machines.image(
            Map.of(
                "first",
                checkpoints("img"),
                "hold",
                holdAndOverwrite("img"),
                "again",
                checkpoints("img")));
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Machines.run(m, "first")).isEqualTo(Machines.exited(0));
    long oldInum = FileSystem.of(m.fs()).stat("/img").ino();
    byte[] old = Ckpt.read(m, "/img").orElseThrow();
    assertThat(Machines.run(m, "hold")).isEqualTo(new Machine.Outcome.Exited(3, 0));
    // Closed now, but named: a power cut anywhere left no inode that no directory names.
    String parked = String.format(".ckpt/%08x", oldInum);
    List<FileSystem.Entry> root = FileSystem.of(m.fs()).list("/");
    assertThat(root.stream().map(FileSystem.Entry::name).toList()).contains(parked);
    assertThat(Fsck.check(d).violations()).isEmpty();
    long free = LargeFiles.freeBlocks(m.fs());
    long second = LargeFiles.blocksFor(Ckpt.read(m, "/img").orElseThrow().length);
    assertThat(Machines.run(m, "again")).isEqualTo(new Machine.Outcome.Exited(4, 0));
    assertThat(FileSystem.of(m.fs()).list("/").stream().map(FileSystem.Entry::name).toList())
        .doesNotContain(parked);
    noTemporary(m, "/");
    // The parked image and the replaced second one are freed; the third takes their place.
    long third = LargeFiles.blocksFor(Ckpt.read(m, "/img").orElseThrow().length);
    assertThat(LargeFiles.freeBlocks(m.fs()))
        .isEqualTo(free + LargeFiles.blocksFor(old.length) + second - third);
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  private static long idAfterOneBoot(MemoryBlockDevice d) {
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    return Ckpt.image(Ckpt.read(m, "/img").orElseThrow()).imageId();
  }

  @Test
  void imageIdsDifferAcrossBootsOfOneDiskAndRepeatForTheSameDiskAndSeed() {
    Map<String, byte[]> files = Map.of("prog", checkpoints("img"));
    MemoryBlockDevice d = Machines.image(files);
    long first = idAfterOneBoot(d);
    long second = idAfterOneBoot(d); // the same program at the same instruction, booted again
    long third = idAfterOneBoot(d);
    assertThat(List.of(first, second, third)).containsNoDuplicates(); // bug 4: all equal
    MemoryBlockDevice twin = Machines.image(files);
    assertThat(List.of(idAfterOneBoot(twin), idAfterOneBoot(twin), idAfterOneBoot(twin)))
        .containsExactly(first, second, third)
        .inOrder();
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void aRefusedCheckpointLeavesTheEpochAlone() {
    MemoryBlockDevice d =
        Machines.image(Map.of("none", checkpoints(), "bad", checkpoints("nodir/img")));
    Machine m = Machines.runner(d, Machines.CONFIG);
    assertThat(Machines.run(m, "none")).isEqualTo(Machines.exited(0)); // makes /console
    byte[] before = d.contents();
    assertThat(Machines.run(m, "bad")).isEqualTo(new Machine.Outcome.Exited(3, 10));
    assertThat(Arrays.equals(d.contents(), before)).isTrue();
  }

  @Test
  void anImageLargerThanTheLargestFileSaysSoAndNamesBigFiles() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, 300 * 1024).li(A1, 1);
    p.sys(Xv6Abi.SYS_sbrk).checkNonNegative(1);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.check(CheckpointImage.CKPT_NOSPACE, 2);
    p.exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    // bug 5: it said "no room for an image of ... bytes" on a disk with room to spare
    assertThat(m.output())
        .matches(
            "checkpoint: CKPT_NOSPACE \\(-8\\): img: an image of \\d+ "
                + "bytes is larger than this file system's largest file \\(274432 bytes; a disk made "
                + "with mkfs --big-files holds files up to 64.3 MiB\\)\n");
  }

  @Test
  void theCkptProgramSaysWhatNoSpaceCanMean() throws Exception {
    UserProgram big = new UserProgram(KERNEL_TESTS).str("buf", "........");
    big.a.li(A0, 300 * 1024).li(A1, 1);
    big.sys(Xv6Abi.SYS_sbrk).checkNonNegative(1);
    Ckpt.readConsole(big, "buf", 8); // blocks: no input comes
    big.exit(0);
    byte[] ckpt = Files.readAllBytes(Path.of("user", "bin", "ckpt"));
    Machine m = Machines.runner(Map.of("big", big.elf(), "ckpt", ckpt));
    Machines.spawn(m, "big");
    assertThat(m.run(1_000_000)).isNotInstanceOf(Machine.Outcome.Panicked.class);
    Machines.spawn(m, "ckpt", "ckpt", "2", "img");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Exited(3, 1));
    List<String> lines = m.output().lines().toList();
    assertThat(lines.get(0)).contains("larger than this file system's largest file");
    assertThat(lines.subList(1, lines.size()))
        .containsExactly(
            "ckpt: img: CKPT_NOSPACE (-8)",
            "ckpt: either the disk is out of free blocks or inodes, or the image",
            "ckpt: is larger than the largest file (268 KiB on a stock disk;",
            "ckpt: a disk made with mkfs --big-files holds up to 64.3 MiB)")
        .inOrder();
  }
}
