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
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Every system call's bad-argument paths answer -1 (or a short count where xv6 gives one), never a
 * Java exception, never a panic; and the machine's pages all come back.
 */
class ErrorPathTest {

  /** Runs p as /prog (with extra files) and asserts exit 0 and no leaked page or file. */
  private static Machine runClean(UserProgram p, Map<String, byte[]> extra) {
    Map<String, byte[]> files = new HashMap<>(extra);
    files.put("prog", p.elf());
    Machine m = Machines.runner(files);
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.kalloc().freePages()).isEqualTo(before);
    assertThat(m.files().openFiles()).isEqualTo(0);
    assertThat(m.log().outstanding()).isEqualTo(0);
    assertThat(xv6ckpt.kernel.fs.Fsck.check(m.disk()).violations()).isEmpty();
    return m;
  }

  private static final long[] BAD_ADDRESSES = {
    0x10000000L, // unmapped, above the process
    0x80000000L, // KERNBASE
    Riscv.TRAPFRAME, // mapped without PTE_U
    Riscv.MAXVA, // beyond Sv39 as xv6 uses it
    -1L, // the top of the 64-bit space
  };

  @Test
  void readAndWriteWithBadBuffersFail() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "file");
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S1, A0);
    int code = 10;
    for (long bad : BAD_ADDRESSES) {
      p.a.mv(A0, S1).li(A1, bad).li(A2, 8192);
      p.sys(SYS_write).check(-1, code++);
      p.a.mv(A0, S1).li(A1, bad).li(A2, 8192);
      p.sys(SYS_read);
      p.a.sgtz(A0, A0);
      p.check(0, code++); // -1 or 0 (nothing to read at the end of the file)
      p.a.li(A0, 1).li(A1, bad).li(A2, 100);
      p.sys(SYS_write).check(0, code++); // the console writes nothing
    }
    p.exit(0);
    Machine m = runClean(p, Map.of());
    assertThat(m.output()).isEmpty();
  }

  /**
   * xv6's readi takes the count as a uint: a negative one reads to the end of the file, unless
   * offset + count passes 2^32; into a page without PTE_U the copy fails (found against f5b93ef).
   */
  @Test
  void aNegativeReadCountReadsToTheEndOfAFile() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "file").str("five", "hello");
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S1, A0).la(A1, "five").li(A2, 5);
    p.sys(SYS_write).check(5, 1);
    p.a.mv(A0, S1);
    p.sys(SYS_close).check(0, 2);
    p.a.la(A0, "f").li(A1, Xv6Abi.O_RDONLY);
    p.sys(SYS_open);
    p.a.mv(S1, A0).li(A1, Riscv.TRAPFRAME).li(A2, 0x80000000L);
    p.sys(SYS_read).check(-1, 3);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, -1);
    p.sys(SYS_read).check(5, 4);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, -1);
    p.sys(SYS_read).check(0, 5); // 5 + 0xffffffff passes 2^32
    p.a.mv(A0, S1);
    p.sys(SYS_close).check(0, 6);
    p.exit(0);
    runClean(p, Map.of());
  }

  @Test
  void bufferStraddlingTheEndOfMemoryStopsShort() {
    // The last 10 bytes of the process, then unmapped memory: the console takes 10 bytes, a
    // file write fails as a whole (xv6's filewrite answers -1 for a short chunk).
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "file");
    p.a.li(A0, 0).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.addi(S2, A0, -10);
    p.a.li(T0, 'z').sb(T0, 0, S2);
    p.a.li(A0, 1).mv(A1, S2).li(A2, 100);
    p.sys(SYS_write).check(10, 1);
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S1, A0).mv(A1, S2).li(A2, 100);
    p.sys(SYS_write).check(-1, 2);
    p.a.mv(A0, S1).li(A1, 0).li(A2, 0x7fffffff); // a huge length from a valid start
    p.sys(SYS_write).check(-1, 3);
    p.exit(0);
    Machine m = runClean(p, Map.of());
    assertThat(m.output()).startsWith("z");
    assertThat(m.output()).hasLength(10);
  }

  @Test
  void badFileDescriptorsFail() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    int code = 1;
    for (int fd : new int[] {-1, 3, Param.NOFILE, 1000, Integer.MIN_VALUE}) {
      p.a.li(A0, fd).la(A1, "bss").li(A2, 1);
      p.sys(SYS_read).check(-1, code++);
      p.a.li(A0, fd).la(A1, "bss").li(A2, 1);
      p.sys(SYS_write).check(-1, code++);
      p.a.li(A0, fd);
      p.sys(SYS_close).check(-1, code++);
      p.a.li(A0, fd);
      p.sys(SYS_dup).check(-1, code++);
      p.a.li(A0, fd).la(A1, "bss");
      p.sys(SYS_fstat).check(-1, code++);
    }
    p.a.li(A0, 1).li(A1, 0x80000000L);
    p.sys(SYS_fstat).check(-1, code++);
    p.a.li(A0, 99).li(A1, 1);
    p.sys(99).check(-1, code++); // unknown system call
    p.a.li(A0, 24);
    p.sys(24).check(-1, code++); // one past restore, the last call
    p.sys(0x1_0000_0000L | SYS_getpid).check(2, code++); // xv6 reads a7 into an int
    p.sys(0x1_0000_0000L).check(-1, code++); // call 0
    p.exit(0);
    Machine m = runClean(p, Map.of());
    assertThat(m.output())
        .isEqualTo(
            "2 prog: unknown sys call 99\n2 prog: unknown sys call 24\n"
                + "2 prog: unknown sys call 0\n");
  }

  @Test
  void badPathsFail() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.data("long", "x".repeat(Param.MAXPATH).getBytes(ISO_8859_1)); // no NUL within MAXPATH
    p.str("ok", "x".repeat(Param.MAXPATH - 1));
    int code = 1;
    for (long bad : BAD_ADDRESSES) {
      p.a.li(A0, bad).li(A1, Xv6Abi.O_CREATE);
      p.sys(SYS_open).check(-1, code++);
      p.a.li(A0, bad);
      p.sys(SYS_mkdir).check(-1, code++);
      p.a.li(A0, bad);
      p.sys(SYS_unlink).check(-1, code++);
      p.a.li(A0, bad);
      p.sys(SYS_chdir).check(-1, code++);
    }
    p.a.la(A0, "long").li(A1, Xv6Abi.O_CREATE);
    p.sys(SYS_open).check(-1, code++);
    p.a.la(A0, "long").mv(A1, A0);
    p.sys(SYS_link).check(-1, code++);
    // a string running into the end of memory without a NUL
    p.a.li(A0, 0).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.addi(S2, A0, -1).li(T0, 'q').sb(T0, 0, S2).mv(A0, S2).li(A1, Xv6Abi.O_CREATE);
    p.sys(SYS_open).check(-1, code++);
    // MAXPATH - 1 bytes and a NUL is a valid path (a name cut to DIRSIZ)
    p.a.la(A0, "ok").li(A1, Xv6Abi.O_CREATE);
    p.sys(SYS_open).checkNonNegative(code++);
    p.sys(SYS_close);
    p.a.la(A0, "ok");
    p.sys(SYS_unlink).check(0, code++);
    p.exit(0);
    runClean(p, Map.of());
  }

  @Test
  void tooManyArgumentsAndBadArgvFailExec() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "/prog").str("arg", "a");
    // argv with MAXARG pointers and no terminating 0 within the table
    p.a.la(T0, "bss").la(T1, "arg");
    for (int i = 0; i < Param.MAXARG; i++) {
      p.a.sd(T1, 8 * i, T0);
    }
    p.a.sd(0, 8 * Param.MAXARG, T0);
    p.a.la(A0, "path").la(A1, "bss");
    p.sys(SYS_exec).check(-1, 1);
    p.a.la(A0, "path").li(A1, 0x80000000L);
    p.sys(SYS_exec).check(-1, 2);
    p.a.la(T0, "bss").li(T1, 0x80000000L).sd(T1, 0, T0).sd(0, 8, T0); // argv[0] is bad
    p.a.la(A0, "path").la(A1, "bss");
    p.sys(SYS_exec).check(-1, 3);
    p.exit(0);
    runClean(p, Map.of());
  }

  @Test
  void manyOpenFilesUntilNofile() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "f");
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open).check(3, 1);
    for (int fd = 4; fd < Param.NOFILE; fd++) {
      p.a.li(A0, 3);
      p.sys(SYS_dup).check(fd, 2);
    }
    p.a.la(A0, "f").li(A1, 0);
    p.sys(SYS_open).check(-1, 3);
    p.a.li(A0, 3);
    p.sys(SYS_dup).check(-1, 4);
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(-1, 5);
    p.exit(0);
    runClean(p, Map.of());
  }

  @Test
  void fileGrowsToTheLargestSizeAndNoFurther() {
    int maxBytes = (12 + 256) * 1024; // MAXFILE blocks of BSIZE on a stock file system
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "big");
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S1, A0);
    String loop = p.fresh();
    p.a.li(S2, maxBytes / 8192).label(loop);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, 8192);
    p.sys(SYS_write).check(8192, 1);
    p.a.addi(S2, S2, -1).bnez(S2, loop);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, maxBytes % 8192);
    p.sys(SYS_write).check(maxBytes % 8192, 2);
    p.a.mv(A0, S1).la(A1, "bss").li(A2, 1);
    p.sys(SYS_write).check(-1, 3);
    p.a.mv(A0, S1).la(A1, "bss");
    p.sys(SYS_fstat).check(0, 4);
    p.a.la(T0, "bss").ld(A0, 16, T0);
    p.check(maxBytes, 5);
    p.a.la(A0, "f");
    p.sys(SYS_unlink).check(0, 6);
    p.exit(0);
    runClean(p, Map.of());
  }

  /** A valid program that exits 3, and copies of it broken in each way exec must refuse. */
  private static Map<String, byte[]> malformedElves() {
    UserProgram good = new UserProgram(KERNEL_TESTS);
    good.exit(3);
    byte[] elf = good.elf();
    Map<String, byte[]> out = new HashMap<>();
    out.put("good", elf);
    out.put("magic", patch(elf, 0, 4, 0x464C457E));
    out.put("short", java.util.Arrays.copyOf(elf, 40));
    out.put("phoff", patch(elf, 32, 8, 1L << 40));
    out.put("phnum", patch(elf, 56, 2, 0xFFFF));
    long ph = 64; // Elf64Writer puts the program headers right after the file header
    out.put("memsz", patch(elf, (int) ph + 40, 8, 16)); // memsz < filesz
    out.put("overflow", patch(patch(elf, (int) ph + 16, 8, -4096L), (int) ph + 40, 8, 8192));
    out.put("unaligned", patch(elf, (int) ph + 16, 8, 0x10));
    out.put("trapframe", patch(elf, (int) ph + 16, 8, Riscv.TRAPFRAME));
    out.put("hugemem", patch(elf, (int) ph + 40, 8, 1L << 36));
    out.put("offset", patch(elf, (int) ph + 8, 8, 1L << 33));
    return out;
  }

  private static byte[] patch(byte[] elf, int off, int n, long v) {
    byte[] b = elf.clone();
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    switch (n) {
      case 2:
        bb.putShort(off, (short) v);
        break;
      case 4:
        bb.putInt(off, (int) v);
        break;
      default:
        bb.putLong(off, v);
    }
    return b;
  }

  @Test
  void execOfMalformedElvesFailsAndLeavesTheCallerRunning() {
    Map<String, byte[]> elves = malformedElves();
    UserProgram p = new UserProgram(KERNEL_TESTS);
    int code = 1;
    for (String name : elves.keySet()) {
      if (name.equals("good")) {
        continue;
      }
      p.str("p" + name, "/" + name);
      p.a.la(T0, "bss").la(T1, "p" + name).sd(T1, 0, T0).sd(0, 8, T0);
      p.a.la(A0, "p" + name).mv(A1, T0);
      p.sys(SYS_exec).check(-1, code++);
    }
    p.str("pgood", "/good");
    p.a.la(T0, "bss").la(T1, "pgood").sd(T1, 0, T0).sd(0, 8, T0);
    p.a.la(A0, "pgood").mv(A1, T0);
    p.sys(SYS_exec);
    p.exit(100);
    Map<String, byte[]> files = new HashMap<>(elves);
    files.put("prog", p.elf());
    Machine m = Machines.runner(files);
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(3));
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  @Test
  void allocationFailuresAreRefusalsNotCrashes() {
    // Fail every allocation from some point on: fork, sbrk, pipe and exec answer -1.
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "/prog");
    p.sys(SYS_fork).check(-1, 1);
    p.a.li(A0, 4096).li(A1, 1);
    p.sys(SYS_sbrk).check(-1, 2);
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(-1, 3);
    p.a.la(T0, "bss").la(T1, "path").sd(T1, 0, T0).sd(0, 8, T0);
    p.a.la(A0, "path").mv(A1, T0);
    p.sys(SYS_exec).check(-1, 4);
    p.exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    m.kalloc().injectFailures(k -> true); // armed after spawn, before the program runs
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    m.kalloc().injectFailures(k -> false);
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }
}
