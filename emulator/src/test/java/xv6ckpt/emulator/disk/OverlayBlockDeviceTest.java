package xv6ckpt.emulator.disk;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OverlayBlockDeviceTest {

  @Test
  void writesStayInTheOverlayAndReadsSeeThem() {
    MemoryBlockDevice base = new MemoryBlockDevice(8, 4);
    byte[] one = new byte[8];
    Arrays.fill(one, (byte) 1);
    base.write(2, one);
    OverlayBlockDevice o = new OverlayBlockDevice(base);
    byte[] buf = new byte[8];
    o.read(2, buf);
    assertThat(buf).isEqualTo(one);
    byte[] two = new byte[8];
    Arrays.fill(two, (byte) 2);
    o.write(2, two);
    o.read(2, buf);
    assertThat(buf).isEqualTo(two);
    base.read(2, buf);
    assertThat(buf).isEqualTo(one); // the base never changes
    assertThat(o.writtenBlocks()).isEqualTo(1);
  }

  @Test
  void outOfRangeWritesAreRejected() {
    OverlayBlockDevice o = new OverlayBlockDevice(new MemoryBlockDevice(8, 4));
    assertThrows(IllegalArgumentException.class, () -> o.write(4, new byte[8]));
    assertThrows(IllegalArgumentException.class, () -> o.write(0, new byte[7]));
  }
}
