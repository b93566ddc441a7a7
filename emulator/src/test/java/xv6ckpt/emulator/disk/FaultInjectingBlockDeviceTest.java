package xv6ckpt.emulator.disk;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice.Outcome;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice.WriteRecord;

class FaultInjectingBlockDeviceTest {

  private static byte[] filled(int value) {
    byte[] b = new byte[8];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] read(BlockDevice d, long b) {
    byte[] buf = new byte[8];
    d.read(b, buf);
    return buf;
  }

  @Test
  void recordsWritesInOrderWithContents() {
    MemoryBlockDevice mem = new MemoryBlockDevice(8, 4);
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem, true);
    d.write(3, filled(1));
    d.write(0, filled(2));
    d.write(3, filled(3));
    assertThat(d.writes()).isEqualTo(3);
    assertThat(d.writeLog().stream().map(WriteRecord::blockno).toList())
        .containsExactly(3L, 0L, 3L)
        .inOrder();
    assertThat(d.writeLog().get(1).contents()).isEqualTo(filled(2));
    assertThat(d.writeLog().get(2).ordinal()).isEqualTo(3);
  }

  @Test
  void withoutContentRecordingOnlyBlockNumbersAreKept() {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(8, 2));
    d.write(1, filled(1));
    assertThat(d.writeLog().get(0).contents()).isNull();
    assertThat(d.writeLog().get(0).outcome()).isEqualTo(Outcome.WRITTEN);
  }

  @Test
  void powerCutDropsLaterWritesAndReadsSeeTheMedium() {
    MemoryBlockDevice mem = new MemoryBlockDevice(8, 4);
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
    d.cutPowerAfterWrite(2);
    d.write(0, filled(1));
    d.write(1, filled(2));
    assertThat(d.powerWasCut()).isFalse();
    d.write(2, filled(3)); // dropped, silently
    d.write(0, filled(4)); // dropped
    assertThat(d.powerWasCut()).isTrue();
    assertThat(read(d, 0)).isEqualTo(filled(1));
    assertThat(read(d, 2)).isEqualTo(new byte[8]);
    assertThat(d.writes()).isEqualTo(4);
    assertThat(d.writesReachedMedium()).isEqualTo(2);
    assertThat(d.writeLog().get(2).outcome()).isEqualTo(Outcome.DROPPED);
  }

  @Test
  void cutAfterZeroDropsEverything() {
    MemoryBlockDevice mem = new MemoryBlockDevice(8, 2);
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
    d.cutPowerAfterWrite(0);
    d.write(1, filled(9));
    assertThat(read(mem, 1)).isEqualTo(new byte[8]);
  }

  @Test
  void failsChosenWriteByOrdinalWithoutTouchingTheMedium() {
    MemoryBlockDevice mem = new MemoryBlockDevice(8, 4);
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
    d.failWrite(2);
    d.write(0, filled(1));
    DiskIoException e = assertThrows(DiskIoException.class, () -> d.write(1, filled(2)));
    assertThat(e.isWrite()).isTrue();
    assertThat(e.blockno()).isEqualTo(1);
    assertThat(read(mem, 1)).isEqualTo(new byte[8]);
    d.write(1, filled(3)); // write #3 is fine
    assertThat(read(mem, 1)).isEqualTo(filled(3));
    assertThat(d.writeLog().get(1).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void failsReadsByOrdinalAndByBlock() {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(8, 4));
    d.failRead(1);
    d.failReadsOfBlock(3);
    DiskIoException first = assertThrows(DiskIoException.class, () -> read(d, 0));
    assertThat(first.isWrite()).isFalse();
    read(d, 0); // read #2 succeeds
    assertThrows(DiskIoException.class, () -> read(d, 3));
    assertThrows(DiskIoException.class, () -> read(d, 3));
    assertThat(d.reads()).isEqualTo(4);
    d.clearFaults();
    read(d, 3);
  }

  @Test
  void failsEveryWriteOfAChosenBlock() {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(8, 4));
    d.failWritesOfBlock(2);
    d.write(1, filled(1));
    assertThrows(DiskIoException.class, () -> d.write(2, filled(1)));
    assertThrows(DiskIoException.class, () -> d.write(2, filled(1)));
    assertThat(d.writesReachedMedium()).isEqualTo(1);
  }

  @Test
  void sameScriptGivesSameLog() {
    assertThat(script()).isEqualTo(script());
  }

  private static java.util.List<String> script() {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(8, 4));
    d.cutPowerAfterWrite(3);
    d.failWrite(2);
    for (int i = 0; i < 6; i++) {
      try {
        d.write(i % 4, filled(i));
      } catch (DiskIoException e) {
        // expected for write #2
      }
    }
    return d.writeLog().stream()
        .map(r -> r.ordinal() + ":" + r.blockno() + ":" + r.outcome())
        .toList();
  }
}
