package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T6;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * restore's refusals: each returns its code and prints its line, the caller goes on untouched
 * (registers, memory, files), and not a page of memory or a file-table entry is lost.
 */
class RestoreRefusalTest {

  /** An image made by a program that, once restored, exits 99. */
  private static byte[] imageExiting99() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(A0, 0);
    p.checkpoint("path");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.exit(0);
    p.a.label("restored");
    p.exit(99);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    return Ckpt.read(m, "/img").orElseThrow();
  }

  /** Sets a marker in memory and s1; the caller checks both after each refusal. */
  private static void mark(UserProgram p) {
    p.a.li(S1, 12345).la(T0, "bss").li(T1, 777).sd(T1, 0, T0);
  }

  private static void checkMark(UserProgram p, int code) {
    p.a.mv(A0, S1);
    p.check(12345, code);
    p.a.la(T0, "bss").ld(A0, 0, T0);
    p.check(777, code);
  }

  @Test
  void brokenOrMissingImagesAreRefusedAndTheCallerGoesOn() {
    byte[] good = imageExiting99();
    byte[] crc = good.clone();
    crc[good.length / 2] ^= 1;
    UserProgram p =
        new UserProgram(KERNEL_TESTS)
            .str("img", "img")
            .str("none", "nofile")
            .str("root", "/")
            .str("console", "console")
            .str("prog", "prog")
            .str("trunc", "trunc")
            .str("crc", "crc");
    mark(p);
    p.a.li(A0, 0x10000000L);
    p.sys(SYS_restore).check(-1, 1);
    String[] paths = {"none", "root", "console", "prog", "trunc", "crc"};
    int[] codes = {
      CheckpointImage.RESTORE_NO_FILE,
      CheckpointImage.RESTORE_NO_FILE,
      CheckpointImage.RESTORE_NO_FILE,
      CheckpointImage.HDR_MAGIC,
      CheckpointImage.COMMIT_MISSING,
      CheckpointImage.CRC_MISMATCH
    };
    for (int i = 0; i < paths.length; i++) {
      p.restore(paths[i]);
      p.check(codes[i], 10 + i);
      checkMark(p, 20 + i);
    }
    p.restore("img");
    p.exit(2);
    Map<String, byte[]> files = new HashMap<>();
    files.put("prog", p.elf());
    files.put("img", good);
    files.put("trunc", Arrays.copyOf(good, good.length / 2));
    files.put("crc", crc);
    Machine m = Machines.runner(files);
    int free = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(99));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(free);
    assertThat(m.files().openFiles()).isEqualTo(0);
    assertThat(m.output().lines().map(l -> l.substring(0, l.indexOf(')') + 1)).toList())
        .containsExactly(
            "restore: RESTORE_NO_FILE (-40)",
            "restore: RESTORE_NO_FILE (-40)",
            "restore: RESTORE_NO_FILE (-40)",
            "restore: HDR_MAGIC (-10)",
            "restore: COMMIT_MISSING (-12)",
            "restore: CRC_MISMATCH (-15)")
        .inOrder();
  }

  @Test
  void fileRecordsThatCannotBeReopenedAreRefusedInFdOrder() {
    UserProgram p =
        new UserProgram(KERNEL_TESTS)
            .str("img1", "img1")
            .str("img2", "img2")
            .str("f", "f")
            .str("h", "h");
    mark(p);
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(3, 1);
    p.a.li(A0, 3).la(A1, "bss").li(A2, 10);
    p.sys(SYS_write).check(10, 2);
    p.a.li(A0, 0);
    p.checkpoint("img1");
    p.check(0, 3); // (a restored img1 would see 1: never, every restore below fails)
    p.a.la(A0, "f");
    p.sys(SYS_unlink).check(0, 4);
    p.restore("img1");
    p.check(CheckpointImage.RESTORE_FILE_MISSING, 5);
    checkMark(p, 6);
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(4, 7); // a new f: another inode (the old one is still open)
    p.restore("img1");
    p.check(CheckpointImage.RESTORE_FILE_INODE, 8);
    checkMark(p, 9);
    p.a.li(A0, 3);
    p.sys(SYS_close);
    p.a.li(A0, 4);
    p.sys(SYS_close);
    p.a.la(A0, "h").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(3, 10);
    p.a.li(A0, 3).la(A1, "bss").li(A2, 10);
    p.sys(SYS_write).check(10, 11);
    p.a.li(A0, 0);
    p.checkpoint("img2");
    p.check(0, 12);
    p.a.la(A0, "h").li(A1, Xv6Abi.O_TRUNC | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(4, 13); // h is empty now: offset 10 is beyond it
    p.restore("img2");
    p.check(CheckpointImage.RESTORE_FILE_OFFSET, 14);
    checkMark(p, 15);
    p.exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int free = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(free);
    assertThat(m.files().openFiles()).isEqualTo(0);
    assertThat(m.output()).contains("RESTORE_FILE_MISSING (-41)");
    assertThat(m.output()).contains("RESTORE_FILE_INODE (-42)");
    assertThat(m.output()).contains("RESTORE_FILE_OFFSET (-43)");
  }

  @Test
  void runningOutOfMemoryAnywhereInRestoreLosesNoPage() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("img", "img");
    mark(p);
    p.a.li(A0, 0);
    p.checkpoint("img");
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.check(0, 1);
    Ckpt.readConsole(p, "bss", 8);
    p.a.la(T0, "bss").li(T1, 777).sd(T1, 0, T0); // the read overwrote the marker
    p.restore("img");
    p.check(CheckpointImage.RESTORE_NOMEM, 2);
    checkMark(p, 3);
    p.exit(0);
    p.a.label("restored");
    p.exit(99);
    byte[] prog = p.elf();
    int refused = 0;
    int restored = 0;
    // Fail the k-th allocation of the restore, for every k it makes, and all of them.
    for (int k = 1; k <= 40; k++) {
      Machine m = Machines.runner(Map.of("prog", prog));
      int free = m.kalloc().freePages();
      Machines.spawn(m, "prog");
      assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
      long base = m.kalloc().calls();
      final int kk = k;
      m.kalloc().injectFailures(c -> c == base + kk || (kk == 40 && c > base));
      m.consoleInput("x\n");
      Machine.Outcome o = Machines.finish(m);
      m.kalloc().injectFailures(c -> false);
      Machines.finish(m);
      assertThat(m.kalloc().freePages()).isEqualTo(free);
      if (o.equals(Machines.exited(99))) {
        assertThat(k).isLessThan(40); // the k-th allocation came after the restore
        restored++;
        continue;
      }
      refused++;
      assertThat(o).isEqualTo(Machines.exited(0));
      assertThat(m.output()).contains("restore: RESTORE_NOMEM (-44)");
    }
    assertThat(refused).isAtLeast(5); // page-table pages and frames each failed once
    assertThat(restored).isAtLeast(1); // and k went past the restore's last allocation
  }
}
