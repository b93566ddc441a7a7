package xv6ckpt.emulator.disk;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {
  @TempDir Path dir;

  @Test
  void createWritesAZeroImageOfTheRightLength() throws IOException {
    Path img = dir.resolve("fs.img");
    try (FileBlockDevice d = FileBlockDevice.create(img, 1024, 10)) {
      assertThat(d.blockCount()).isEqualTo(10);
      byte[] buf = new byte[1024];
      d.read(9, buf);
      assertThat(buf).isEqualTo(new byte[1024]);
    }
    assertThat(Files.size(img)).isEqualTo(10 * 1024);
  }

  @Test
  void writesPersistAcrossReopenAtTheRightOffset() throws IOException {
    Path img = dir.resolve("fs.img");
    byte[] block = new byte[512];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) i;
    }
    try (FileBlockDevice d = FileBlockDevice.create(img, 512, 4)) {
      d.write(2, block);
    }
    byte[] raw = Files.readAllBytes(img);
    assertThat(java.util.Arrays.copyOfRange(raw, 1024, 1536)).isEqualTo(block);
    try (FileBlockDevice d = FileBlockDevice.open(img, 512, false)) {
      byte[] buf = new byte[512];
      d.read(2, buf);
      assertThat(buf).isEqualTo(block);
    }
  }

  @Test
  void lengthNotAMultipleOfTheBlockSizeIsAClearError() throws IOException {
    Path img = dir.resolve("odd.img");
    Files.write(img, new byte[1500]);
    IOException e = assertThrows(IOException.class, () -> FileBlockDevice.open(img, 1024, true));
    assertThat(e).hasMessageThat().contains("odd.img");
    assertThat(e).hasMessageThat().contains("1500");
  }

  @Test
  void missingFileIsAClearError() {
    Path img = dir.resolve("missing.img");
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> FileBlockDevice.open(img, 1024, true));
    assertThat(e).hasMessageThat().contains("missing.img");
  }

  @Test
  void writeToAReadOnlyImageIsADiskIoException() throws IOException {
    Path img = dir.resolve("ro.img");
    Files.write(img, new byte[2048]);
    try (FileBlockDevice d = FileBlockDevice.open(img, 1024, true)) {
      DiskIoException e = assertThrows(DiskIoException.class, () -> d.write(1, new byte[1024]));
      assertThat(e.isWrite()).isTrue();
      assertThat(e.blockno()).isEqualTo(1);
    }
  }

  @Test
  void blockOutOfRangeIsRejected() throws IOException {
    Path img = dir.resolve("small.img");
    Files.write(img, new byte[2048]);
    try (FileBlockDevice d = FileBlockDevice.open(img, 1024, false)) {
      assertThrows(IllegalArgumentException.class, () -> d.read(2, new byte[1024]));
    }
  }
}
