package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.SyscallModel.Judgement;

/**
 * The syscall model's statements, one xv6 rule per test, on a tiny disk: the root (inode 1) with
 * "README" (inode 2, 5 bytes) and "console" (inode 3, major 1); one process, pid 2, with a program
 * of one page, a guard page and a stack page.
 */
class SyscallModelTest {
  private static final int PID = 2;
  private static final long BUF = 0x100;
  private final Map<Long, Byte> mem = new HashMap<>();
  private SyscallModel model;

  private static byte[] dir(Object... entries) {
    byte[] d = new byte[entries.length / 2 * FsModel.DIRENT];
    for (int k = 0; k < entries.length / 2; k++) {
      int inum = (Integer) entries[2 * k + 1];
      byte[] name = ((String) entries[2 * k]).getBytes(StandardCharsets.US_ASCII);
      d[k * 16] = (byte) inum;
      System.arraycopy(name, 0, d, k * 16 + 2, name.length);
    }
    return d;
  }

  @BeforeEach
  void setUp() {
    FsModel fs = new FsModel(16, 200);
    fs.load(
        1, Xv6.T_DIR, 1, (short) 0, (short) 0, dir(".", 1, "..", 1, "README", 2, "console", 3), 1);
    fs.load(2, Xv6.T_FILE, 1, (short) 0, (short) 0, "hello".getBytes(StandardCharsets.US_ASCII), 0);
    fs.load(3, Xv6.T_DEVICE, 1, (short) 1, (short) 0, new byte[0], 1);
    model = new SyscallModel(fs, 0, 0x10, 0x3000);
    model.spawn(PID, UserSpace.afterExec(0x1000, 1), 3);
  }

  private void string(long va, String s) {
    byte[] b = (s + "\0").getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < b.length; i++) {
      mem.put(va + i, b[i]);
    }
  }

  private Judgement call(long actual, long... words) {
    model.pending(PID, Arrays.copyOf(words, 7));
    return model.call(
        PID,
        (va, n) -> {
          byte[] b = new byte[n];
          for (int i = 0; i < n; i++) {
            b[i] = mem.getOrDefault(va + i, (byte) 0);
          }
          return b;
        },
        actual);
  }

  private void agrees(long actual, long... words) {
    assertThat(call(actual, words)).isInstanceOf(Judgement.Agrees.class);
  }

  private List<SyscallModel.Write> writes(long actual, long... words) {
    Judgement j = call(actual, words);
    assertThat(j).isInstanceOf(Judgement.Agrees.class);
    return ((Judgement.Agrees) j).writes();
  }

  private String differs(long actual, long... words) {
    Judgement j = call(actual, words);
    assertThat(j).isInstanceOf(Judgement.Differs.class);
    return ((Judgement.Differs) j).expected();
  }

  @Test
  void openTakesTheLowestFreeDescriptorAndReadStopsAtTheEnd() {
    string(0x800, "/README");
    agrees(3, Xv6.SYS_open, 0x800, 0);
    List<SyscallModel.Write> w = writes(5, Xv6.SYS_read, 3, BUF, 100);
    assertThat(new String(w.get(0).bytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    agrees(0, Xv6.SYS_read, 3, 0x1000, 1); // nothing left, so no page to reach
    assertThat(differs(1, Xv6.SYS_read, 3, BUF, 100)).isEqualTo("0"); // past the end
  }

  /** xv6's syscall() takes a7 as an int: bits above 31 do not change the call. */
  @Test
  void aCallNumberIsA7sLow32Bits() {
    agrees(PID, 0x1_0000_0000L | Xv6.SYS_getpid);
    agrees(-1, 0x1_0000_0000L); // call 0: none
    agrees(-1, 0xffff_ffffL); // -1 as an int: none
    assertThat(differs(-1, 0xffff_ffff_0000_0000L | Xv6.SYS_getpid)).isEqualTo(String.valueOf(PID));
  }

  @Test
  void openReturningAnotherDescriptorDiffers() {
    string(0x800, "/README");
    assertThat(differs(4, Xv6.SYS_open, 0x800, 0)).isEqualTo("3");
  }

  /**
   * readi takes n as a uint: a negative count reads to the end of the file, unless offset + n
   * passes 2^32 (found by syscall-args on f5b93ef: read(fd, TRAPFRAME, 0x80000000) returned -1).
   */
  @Test
  void aNegativeReadCountIsAHugeOneToReadi() {
    string(0x800, "/README");
    agrees(3, Xv6.SYS_open, 0x800, 0);
    agrees(-1, Xv6.SYS_read, 3, 0x1000, 0x8000_0000L); // into the guard page: the copy fails
    List<SyscallModel.Write> w = writes(5, Xv6.SYS_read, 3, BUF, 0x8000_0000L);
    assertThat(new String(w.get(0).bytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    agrees(4, Xv6.SYS_open, 0x800, 0); // offset 0
    agrees(2, Xv6.SYS_read, 4, BUF, 2);
    assertThat(differs(3, Xv6.SYS_read, 4, BUF, 0xffff_ffffL)).isEqualTo("0"); // 2 + 2^32 - 1
  }

  @Test
  void aReadIntoTheGuardPageFailsWithTheBytesBeforeItWritten() {
    string(0x800, "/README");
    agrees(3, Xv6.SYS_open, 0x800, 0);
    List<SyscallModel.Write> w = writes(-1, Xv6.SYS_read, 3, 0xffe, 5);
    assertThat(w).containsExactly(new SyscallModel.Write(0xffe, new byte[] {'h', 'e'}));
    assertThat(writes(5, Xv6.SYS_read, 3, BUF, 5)).hasSize(1); // the offset did not move
  }

  @Test
  void fstatWritesTheStructStat() {
    byte[] st = writes(0, Xv6.SYS_fstat, 1, BUF).get(0).bytes();
    assertThat(st).hasLength(24);
    assertThat(Le.get(st, 4, 4)).isEqualTo(3); // the console's inode
    assertThat(Le.get(st, 8, 2)).isEqualTo(Xv6.T_DEVICE);
    assertThat(Le.get(st, 10, 2)).isEqualTo(1);
    assertThat(writes(-1, Xv6.SYS_fstat, 1, 0xff8).get(0).bytes()).hasLength(8); // to the guard
    assertThat(differs(0, Xv6.SYS_fstat, 1, 0x1000)).isEqualTo("-1"); // the guard page
  }

  @Test
  void aPipeReadTakesWhatIsBufferedAndAWriteIntoAFullPipeIsUnknown() {
    assertThat(writes(0, Xv6.SYS_pipe, BUF).get(0).bytes())
        .isEqualTo(new byte[] {3, 0, 0, 0, 4, 0, 0, 0});
    string(0x800, "abcdef");
    agrees(6, Xv6.SYS_write, 4, 0x800, 6);
    List<SyscallModel.Write> w = writes(4, Xv6.SYS_read, 3, BUF, 4);
    assertThat(new String(w.get(0).bytes(), StandardCharsets.US_ASCII)).isEqualTo("abcd");
    assertThat(writes(2, Xv6.SYS_read, 3, BUF, 4).get(0).bytes()).hasLength(2);
    assertThat(call(600, Xv6.SYS_write, 4, 0, 600)).isInstanceOf(Judgement.Unknown.class);
  }

  @Test
  void aPipeReadReturningMoreThanWasBufferedDiffers() {
    agrees(0, Xv6.SYS_pipe, BUF);
    string(0x800, "abcdef");
    agrees(6, Xv6.SYS_write, 4, 0x800, 6);
    assertThat(differs(7, Xv6.SYS_read, 3, BUF, 10)).isEqualTo("6");
  }

  @Test
  void anEmptyPipeWithItsWriteEndOpenCannotReturn() {
    agrees(0, Xv6.SYS_pipe, BUF);
    agrees(0, Xv6.SYS_close, 4);
    agrees(0, Xv6.SYS_read, 3, BUF, 4); // end of file
    setUp();
    agrees(0, Xv6.SYS_pipe, BUF);
    assertThat(differs(0, Xv6.SYS_read, 3, BUF, 4)).contains("block");
  }

  @Test
  void dupTakesTheLowestSlotAndTruncIsKept() {
    agrees(0, Xv6.SYS_close, 0);
    agrees(0, Xv6.SYS_dup, 1);
    string(0x800, "/README");
    agrees(3, Xv6.SYS_open, 0x800, FileModel.O_WRONLY | SyscallModel.O_TRUNC);
    agrees(4, Xv6.SYS_open, 0x800, 0);
    assertThat(differs(5, Xv6.SYS_read, 4, BUF, 10)).isEqualTo("0");
  }

  @Test
  void dupReturningAnotherSlotDiffers() {
    agrees(0, Xv6.SYS_close, 0);
    assertThat(differs(3, Xv6.SYS_dup, 1)).isEqualTo("0");
  }

  @Test
  void unlinkRefusesANonEmptyDirectoryAndCreatesInAnUnlinkedOneFail() {
    string(0x800, "/d");
    string(0x900, "/d/f");
    agrees(0, Xv6.SYS_mkdir, 0x800);
    agrees(3, Xv6.SYS_open, 0x900, FileModel.O_CREATE | FileModel.O_RDWR);
    agrees(-1, Xv6.SYS_unlink, 0x800); // not empty
    agrees(0, Xv6.SYS_unlink, 0x900);
    agrees(0, Xv6.SYS_chdir, 0x800);
    agrees(0, Xv6.SYS_unlink, 0x800);
    string(0xb00, "..");
    agrees(-1, Xv6.SYS_chdir, 0xb00); // ".." was cleared
    string(0xa00, "x");
    assertThat(differs(0, Xv6.SYS_mkdir, 0xa00)).isEqualTo("-1");
  }

  @Test
  void unlinkOfANonEmptyDirectoryReturningZeroDiffers() {
    string(0x800, "/d");
    string(0x900, "/d/f");
    agrees(0, Xv6.SYS_mkdir, 0x800);
    agrees(3, Xv6.SYS_open, 0x900, FileModel.O_CREATE | FileModel.O_RDWR);
    assertThat(differs(0, Xv6.SYS_unlink, 0x800)).isEqualTo("-1");
  }

  @Test
  void aNewInodeTakesTheLowestFreeNumber() {
    string(0x800, "/a");
    agrees(3, Xv6.SYS_open, 0x800, FileModel.O_CREATE);
    byte[] st = writes(0, Xv6.SYS_fstat, 3, BUF).get(0).bytes();
    assertThat(Le.get(st, 4, 4)).isEqualTo(4);
  }

  @Test
  void forkWaitAndExitAgreeOnPidsAndStatus() {
    agrees(9, Xv6.SYS_fork);
    model.pending(9, new long[] {Xv6.SYS_exit, 7, 0, 0, 0, 0, 0});
    assertThat(model.exited(9)).isInstanceOf(Judgement.Agrees.class);
    byte[] status = writes(9, Xv6.SYS_wait, BUF).get(0).bytes();
    assertThat(Le.get(status, 0, 4)).isEqualTo(7);
    assertThat(differs(9, Xv6.SYS_wait, BUF)).isEqualTo("-1");
  }

  @Test
  void waitWithOnlyLiveChildrenOrForAnotherPidDiffers() {
    agrees(9, Xv6.SYS_fork);
    assertThat(differs(9, Xv6.SYS_wait, BUF)).contains("block");
    setUp();
    agrees(9, Xv6.SYS_fork);
    model.pending(9, new long[] {Xv6.SYS_exit, 7, 0, 0, 0, 0, 0});
    assertThat(model.exited(9)).isInstanceOf(Judgement.Agrees.class);
    assertThat(differs(10, Xv6.SYS_wait, BUF)).contains("[9]");
    setUp();
    assertThat(differs(0, Xv6.SYS_fork)).contains("-1");
  }

  @Test
  void aProcessThatExitsWithoutCallingExitOrBeingKilledDiffers() {
    agrees(9, Xv6.SYS_fork);
    model.pending(9, new long[] {Xv6.SYS_getpid, 0, 0, 0, 0, 0, 0});
    assertThat(model.exited(9)).isInstanceOf(Judgement.Differs.class);
  }

  @Test
  void sbrkReturnsTheOldSizeAndMapsTheNewPages() {
    agrees(0x3000, Xv6.SYS_sbrk, 0x1000, 1);
    agrees(0, Xv6.SYS_fstat, 1, 0x3000); // the new page takes a copy
    assertThat(call(0x4000, Xv6.SYS_sbrk, -0x2000, 1)).isInstanceOf(Judgement.Unknown.class);
    setUp();
    assertThat(differs(0x4000, Xv6.SYS_sbrk, 0x1000, 1)).contains("12288");
  }
}
