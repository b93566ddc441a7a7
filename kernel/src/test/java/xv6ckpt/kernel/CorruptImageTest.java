package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * A machine on a corrupted disk boots, refuses to boot, runs, or panics with a named message: it
 * never lets a Java exception escape. Seeded corruption of the inode and data blocks of an image
 * whose program reads, writes, lists and execs.
 */
class CorruptImageTest {

  private static byte[] program() {
    UserProgram p =
        new UserProgram(KERNEL_TESTS)
            .str("f", "data")
            .str("d", "/")
            .str("self", "/prog")
            .str("n", "new");
    p.a.la(A0, "f").li(A1, 0);
    p.sys(SYS_open);
    p.a.mv(S1, A0).la(A1, "bss").li(A2, 4096);
    p.sys(SYS_read);
    p.a.la(A0, "d").li(A1, 0);
    p.sys(SYS_open);
    p.a.la(A1, "bss").li(A2, 4096);
    p.sys(SYS_read);
    p.a.la(A0, "n").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.la(A1, "bss").li(A2, 3000);
    p.sys(SYS_write);
    p.a.la(A0, "f");
    p.sys(SYS_unlink);
    p.exit(0);
    return p.elf();
  }

  @Test
  void corruptDisksNeverThrow() {
    byte[] data = new byte[20_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    byte[] clean = Machines.image(Map.of("prog", program(), "data", data)).contents();
    int panics = 0;
    int exits = 0;
    for (int seed = 1; seed <= 40; seed++) {
      byte[] img = clean.clone();
      long x = seed * 0x9E3779B97F4A7C15L;
      for (int k = 0; k < 24; k++) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        int block = 32 + (int) Math.floorMod(x, 100); // inodes, bitmap and the first data
        int off = (int) Math.floorMod(x >>> 20, FsFormat.BSIZE);
        img[block * FsFormat.BSIZE + off] = (byte) (x >>> 40);
      }
      Machine m;
      try {
        m = Machine.runner(new MemoryBlockDevice(FsFormat.BSIZE, img), Machines.CONFIG);
        m.spawn("/prog", List.of("prog"));
      } catch (Machine.BootException e) {
        assertThat(e.getMessage()).isNotEmpty();
        continue;
      }
      Machine.Outcome o = Machines.finish(m);
      if (o instanceof Machine.Outcome.Panicked) {
        panics++;
        assertThat(((Machine.Outcome.Panicked) o).message()).doesNotContain("kernel bug");
      } else {
        exits++;
        assertThat(o).isInstanceOf(Machine.Outcome.Exited.class);
      }
    }
    assertThat(panics + exits).isGreaterThan(0);
  }
}
