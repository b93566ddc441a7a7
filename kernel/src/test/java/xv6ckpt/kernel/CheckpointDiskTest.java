package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.S3;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T6;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.LargeFiles;
import xv6ckpt.testkit.UserProgram;

/**
 * checkpoint and the disk: every transaction within MAXOPBLOCKS for images up to 64 MiB, large
 * processes, restore on a rebooted machine, and an overwrite cut by a power failure at each of its
 * disk writes.
 */
class CheckpointDiskTest {

  /**
   * Grows to {@code size} bytes (sbrk; 0: stays as exec made it), then checkpoints itself to "img"
   * twice; exits 0.
   */
  private static byte[] growAndCheckpointTwice(long size) {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    if (size > 0) {
      p.a.li(A0, 0).li(A1, 1);
      p.sys(SYS_sbrk);
      p.a.li(T6, size).sub(A0, T6, A0).li(A1, 1);
      p.sys(SYS_sbrk).checkNonNegative(1);
    }
    for (int i = 0; i < 2; i++) {
      p.a.li(A0, 0);
      p.checkpoint("path");
      p.check(0, 2 + i);
    }
    p.exit(0);
    return p.elf();
  }

  @Test
  void noTransactionExceedsMaxOpBlocksFromTheSmallestImageTo64MiB() {
    for (long size : new long[] {0, 64 << 10, 1 << 20, 16 << 20, 64 << 20}) {
      MemoryBlockDevice disk = Ckpt.bigDisk(140_000, Map.of("prog", growAndCheckpointTwice(size)));
      Machine m = Ckpt.runner(disk, 100);
      List<Integer> commits = new ArrayList<>();
      m.log().setCommitListener(c -> commits.add(c.blocks()));
      long free = LargeFiles.freeBlocks(m.fs());
      Machines.spawn(m, "prog");
      assertWithMessage("size %s: %s", size, m.output())
          .that(Machines.finish(m))
          .isEqualTo(Machines.exited(0));
      assertWithMessage("size %s", size)
          .that(commits.stream().mapToInt(i -> i).max().orElseThrow())
          .isAtMost(Param.MAXOPBLOCKS);
      assertThat(m.log().maxCommitBlocks()).isAtMost(Param.MAXOPBLOCKS);
      byte[] img = Ckpt.read(m, "/img").orElseThrow();
      CheckpointImage.Image im = Ckpt.image(img);
      assertThat((long) im.npages() * 4096).isAtLeast(size);
      // Two images were written and one freed: exactly one image's blocks are gone.
      assertThat(LargeFiles.freeBlocks(m.fs())).isEqualTo(free - LargeFiles.blocksFor(img.length));
      assertThat(Fsck.check(disk).violations()).isEmpty();
    }
  }

  @Test
  void aProcessGrownToTensOfMiBComesBackPageForPage() {
    long size = 24 << 20;
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, size).li(A1, 1);
    p.sys(SYS_sbrk).checkNonNegative(1);
    p.a.mv(S1, A0); // the old break: the heap is [s1, s1 + size)
    fill(p, "fill", true);
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 2);
    fill(p, "wipe", false);
    p.restore("path");
    p.exit(3);
    p.a.label("restored");
    // every page's first word is its address again
    p.a.mv(T0, S1).li(T1, size).add(S2, S1, T1);
    p.a.li(T6, 4096);
    p.a.label("verify").ld(S3, 0, T0).bne(S3, T0, "bad").add(T0, T0, T6).blt(T0, S2, "verify");
    p.exit(0);
    p.a.label("bad");
    p.exit(4);
    MemoryBlockDevice disk = Ckpt.bigDisk(40_000, Map.of("prog", p.elf()));
    Machine m = Ckpt.runner(disk, 80);
    int free = m.kalloc().freePages();
    Machines.spawn(m, "prog");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(free);
    assertThat(Ckpt.image(Ckpt.read(m, "/img").orElseThrow()).npages()).isGreaterThan(6144);
  }

  /** Writes each heap page's address (or 0) into its first word. */
  private static void fill(UserProgram p, String label, boolean address) {
    p.a.mv(T0, S1).li(T1, 24 << 20).add(S2, S1, T1).li(T6, 4096);
    p.a.label(label);
    p.a.sd(address ? T0 : 0, 0, T0).add(T0, T0, T6).blt(T0, S2, label);
  }

  /**
   * Counts to 100, printing a letter per step from a running hash, and checkpoints itself at step
   * 50; exits with the hash's low bits. The restored process goes on from step 51.
   */
  private static byte[] counter() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(S1, 0).li(S2, 7);
    p.a.label("loop");
    p.a.li(T0, 31).mul(S2, S2, T0).add(S2, S2, S1);
    p.a.li(T0, 26).remu(T1, S2, T0).addi(T1, T1, 'a').la(T0, "bss").sb(T1, 0, T0);
    p.a.li(A0, 1).la(A1, "bss").li(A2, 1);
    p.sys(SYS_write);
    p.a.li(T0, 50).bne(S1, T0, "next").li(A0, 0);
    p.checkpoint("path");
    p.checkNonNegative(2);
    p.a.label("next").addi(S1, S1, 1).li(T0, 100).blt(S1, T0, "loop");
    p.a.andi(A0, S2, 0x7f);
    p.sys(SYS_exit);
    return p.elf();
  }

  @Test
  void acrossRebootTheRestoredProcessFinishesAsTheUninterruptedOne() {
    MemoryBlockDevice disk =
        Ckpt.bigDisk(4000, Map.of("prog", counter(), "restore", TestPrograms.restorer("img")));
    Machine first = Ckpt.runner(disk, 16);
    Machines.spawn(first, "prog");
    Machine.Outcome whole = Machines.finish(first);
    String out = first.output();
    assertThat(out).hasLength(100);
    assertThat(whole).isInstanceOf(Machine.Outcome.Exited.class);
    // Power off: the machine is thrown away; a new one boots on the same disk.
    Machine second = Ckpt.runner(disk, 16);
    Machines.spawn(second, "restore");
    assertThat(Machines.finish(second)).isEqualTo(whole);
    assertThat(second.output()).isEqualTo(out.substring(51));
  }

  /**
   * A first image, then a second written over it with the power cut after its k-th disk write, for
   * every k: after recovery the path holds the whole old image or the whole new one, fsck is clean,
   * and once the new image is there it stays.
   */
  @Test
  void powerCutAtAnyWriteOfAnOverwriteLeavesTheOldImageOrTheNew() throws FsException {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.la(T0, "bss").li(T1, 1).sd(T1, 0, T0).li(A0, 0);
    p.checkpoint("path");
    p.check(0, 1);
    Ckpt.readConsole(p, "bss", 8);
    p.a.la(T0, "bss").li(T1, 2).sd(T1, 8, T0).li(A0, 0);
    p.checkpoint("path");
    p.check(0, 2);
    p.exit(0);
    byte[] disk0 = Machines.image(Map.of("prog", p.elf())).contents();

    FaultInjectingBlockDevice ref = new FaultInjectingBlockDevice(copy(disk0));
    Machine m = Ckpt.runner(ref, 16);
    Machines.spawn(m, "prog");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    long w1 = ref.writes();
    byte[] oldImage = Ckpt.read(m, "/img").orElseThrow();
    m.consoleInput("x\n");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    long w2 = ref.writes();
    byte[] newImage = Ckpt.read(m, "/img").orElseThrow();
    assertThat(newImage).isNotEqualTo(oldImage);

    boolean sawNew = false;
    int olds = 0;
    for (long k = 0; k <= w2 - w1; k++) {
      FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(copy(disk0));
      d.cutPowerAfterWrite(w1 + k);
      Machine c = Ckpt.runner(d, 16);
      Machines.spawn(c, "prog");
      Machines.finish(c);
      c.consoleInput("x\n");
      Machines.finish(c); // whatever it does after the cut does not reach the medium
      assertWithMessage("cut after write %s: fsck", w1 + k)
          .that(Fsck.check(d.medium()).violations())
          .isEmpty();
      Optional<byte[]> img = readAfterRecovery(d.medium());
      assertWithMessage("cut after write %s: an image is there", w1 + k)
          .that(img.isPresent())
          .isTrue();
      boolean isNew = Arrays.equals(img.get(), newImage);
      assertWithMessage("cut after write %s: old or new", w1 + k)
          .that(isNew || Arrays.equals(img.get(), oldImage))
          .isTrue();
      assertWithMessage("cut after write %s: never back to the old", w1 + k)
          .that(sawNew && !isNew)
          .isFalse();
      sawNew |= isNew;
      olds += isNew ? 0 : 1;
    }
    assertThat(sawNew).isTrue();
    assertThat(olds).isGreaterThan(20); // the new image's chunks took many writes
  }

  private static MemoryBlockDevice copy(byte[] image) {
    return new MemoryBlockDevice(FsFormat.BSIZE, image);
  }

  private static Optional<byte[]> readAfterRecovery(xv6ckpt.emulator.disk.BlockDevice medium)
      throws FsException {
    FileSystem fs = FileSystem.mount(medium);
    try {
      return Optional.of(fs.readFile("/img"));
    } catch (FsException e) {
      return Optional.empty();
    }
  }
}
