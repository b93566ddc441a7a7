package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.Image.SyscallRestart;

/** FORMAT.md's continuation rule, as {@link RestartModel} states it. */
class RestartModelTest {
  private static SyscallRestart read(int n, long progress) {
    return new SyscallRestart(Xv6.SYS_read, List.of(3L, 0x1000L, (long) n, 0L, 0L, 0L), progress);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void aReadContinuesAtBufPlusProgressAndCountsWhatItHad() {
    SyscallRestart r = read(8, 3);
    assertThat(RestartModel.readLeft(r)).isEqualTo(5);
    RestartModel.Read got = RestartModel.read(r, bytes("abcdefgh"), bytes("XY"));
    assertThat(got).isEqualTo(new RestartModel.Read(5, bytes("abcXYfgh")));
  }

  @Test
  void aReadWithoutProgressIsAPlainRead() {
    assertThat(RestartModel.read(read(4, 0), bytes("abcd"), bytes("wxyz")))
        .isEqualTo(new RestartModel.Read(4, bytes("wxyz")));
  }

  @Test
  void aContinuationNeverDeliversMoreThanWhatIsLeft() {
    assertThrows(
        IllegalArgumentException.class,
        () -> RestartModel.read(read(4, 2), bytes("abcd"), bytes("xyz")));
  }

  @Test
  void aSleepSleepsWhatIsLeft() {
    SyscallRestart s = new SyscallRestart(Xv6.SYS_sleep, List.of(10L, 0L, 0L, 0L, 0L, 0L), 4);
    assertThat(RestartModel.sleepLeft(s)).isEqualTo(6);
  }

  @Test
  void theModelRefusesAnotherCallsRecord() {
    SyscallRestart w = new SyscallRestart(Xv6.SYS_wait, List.of(0L, 0L, 0L, 0L, 0L, 0L), 0);
    assertThrows(IllegalArgumentException.class, () -> RestartModel.readLeft(w));
    assertThrows(IllegalArgumentException.class, () -> RestartModel.sleepLeft(w));
  }
}
