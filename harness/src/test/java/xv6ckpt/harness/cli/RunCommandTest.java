package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S1;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/** The run and boot commands as a user meets them: output, exit codes, bad input. */
class RunCommandTest extends CommandTest {

  @TempDir Path dir;

  /** exit(argc * 10 + 7) */
  private static byte[] exitArgc() {
    Assembler a = new Assembler(0);
    a.li(A1, 10).mul(A0, A0, A1).addi(A0, A0, 7).li(A7, 2).ecall();
    return elf(a);
  }

  /** Copies console input to output until end of file, then exit(0). */
  private static byte[] copyStdin() {
    Assembler a = new Assembler(0);
    a.label("loop").li(A0, 0).li(A1, 0x800).li(A2, 64).li(A7, 5).ecall();
    a.blez(A0, "done").mv(A2, A0).li(A0, 1).li(A1, 0x800).li(A7, 16).ecall().j("loop");
    a.label("done").li(A0, 0).li(A7, 2).ecall();
    return elf(a);
  }

  /** Stores to address 0 (text, not writable): killed by a page fault. */
  private static byte[] faulter() {
    Assembler a = new Assembler(0);
    a.li(S1, 1).sd(S1, 0, 0).li(A0, 0).li(A7, 2).ecall();
    return new Elf64Writer()
        .segment(0, a.assemble(), Elf64Writer.PF_R | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }

  private static byte[] elf(Assembler a) {
    byte[] code = a.assemble();
    return new Elf64Writer()
        .segment(0, code, 0x1000, Elf64Writer.PF_R | Elf64Writer.PF_X | Elf64Writer.PF_W)
        .entry(0)
        .write();
  }

  private Path image(Mkfs.Node... nodes) throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of(nodes));
    Path p = dir.resolve("fs.img");
    Files.write(p, d.contents());
    return p;
  }

  @Test
  void runsAProgramAndExitsWithItsStatus() throws Exception {
    Path img = image(new Mkfs.FileNode("argc", exitArgc()));
    int code = run("run", "--fs", img.toString(), "--", "argc", "a", "-b");
    assertThat(stderr()).isEmpty();
    assertThat(code).isEqualTo(37);
  }

  @Test
  void stdinFileIsTheConsoleInputThenEndOfFile() throws Exception {
    Path img = image(new Mkfs.FileNode("copy", copyStdin()));
    Path in = dir.resolve("in.txt");
    Files.writeString(in, "hello\nworld\n");
    int code = run("run", "--fs", img.toString(), "--stdin", in.toString(), "--", "copy");
    assertThat(code).isEqualTo(0);
    // the line discipline echoes each line as it is read, then the program writes it
    assertThat(stdout()).isEqualTo("hello\nhello\nworld\nworld\n");
  }

  @Test
  void aFaultingProgramGets255AndXv6sMessage() throws Exception {
    Path img = image(new Mkfs.FileNode("fault", faulter()));
    int code = run("run", "--fs", img.toString(), "--", "fault");
    assertThat(code).isEqualTo(255);
    assertThat(stdout()).startsWith("usertrap(): unexpected scause 0xf pid=2\n");
  }

  @Test
  void missingProgramImageOrBuiltinIsBadInput() throws Exception {
    Path img = image(new Mkfs.FileNode("argc", exitArgc()));
    assertThat(run("run", "--fs", img.toString(), "--", "nosuch")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("exec /nosuch failed");
    assertThat(run("run", "--fs", dir.resolve("none.img").toString(), "--", "x"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("no such file");
    assertThat(run("run", "--", "nosuch")).isEqualTo(Main.EXIT_USAGE); // the built-in image
    assertThat(stderr()).contains("exec /nosuch failed");
  }

  @Test
  void instructionLimitGives124() throws Exception {
    Assembler a = new Assembler(0);
    a.label("spin").j("spin");
    Path img = image(new Mkfs.FileNode("spin", elf(a)));
    int code = run("run", "--fs", img.toString(), "--max-instructions", "100000", "--", "spin");
    assertThat(code).isEqualTo(RunCommand.EXIT_LIMIT);
  }

  @Test
  void bootWithoutInitIsBadInput() throws Exception {
    Path img = image(new Mkfs.FileNode("argc", exitArgc()));
    assertThat(run("boot", "--fs", img.toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("cannot exec /init");
  }

  @Test
  void garbageImageIsBadInput() throws Exception {
    Path img = dir.resolve("junk.img");
    Files.write(img, new byte[64 * 1024]);
    assertThat(run("run", "--fs", img.toString(), "--", "x")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("cannot mount the file system");
  }

  @Test
  void theBuiltInImageRunsTheProjectsShell() throws Exception {
    Path in = dir.resolve("in.txt");
    Files.writeString(in, "echo hello | wc\nls README\n");
    int code = run("run", "--stdin", in.toString(), "--", "sh");
    assertThat(stderr()).isEmpty();
    assertThat(code).isEqualTo(0);
    assertThat(stdout()).contains("1 1 6");
    assertThat(stdout()).contains("README");
  }
}
