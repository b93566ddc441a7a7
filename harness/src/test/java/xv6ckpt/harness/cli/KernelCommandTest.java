package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.S3;
import static xv6ckpt.emulator.asm.Reg.S4;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T2;
import static xv6ckpt.emulator.asm.Reg.T3;
import static xv6ckpt.emulator.asm.Reg.T4;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * {@code boot --kernel} and {@code run --kernel} end to end, with tiny M-mode kernels assembled
 * here that play xv6's console: they print "init: starting sh" and a prompt, echo what is typed,
 * and answer each line (so CI needs no xv6).
 */
class KernelCommandTest extends CommandTest {
  private static final long UART = SystemMachine.UART0;
  private static final long BASE = SystemMachine.RAM_BASE;
  private static final long BUF = BASE + 0x1000;

  @TempDir Path dir;

  /** What the toy kernel does at the end of a typed line. */
  enum OnLine {
    /** prints "ran: " and the line, then the prompt again */
    ANSWER,
    /** prints a panic line and spins */
    PANIC,
    /** spins: the command never finishes */
    SPIN,
    /** waits in wfi with no interrupt enabled: the machine goes idle */
    WFI
  }

  private static void print(Assembler a, String s) {
    for (char c : s.toCharArray()) a.li(T0, c).sb(T0, 0, S2);
  }

  /** A shell-like console kernel over the UART, polled (no interrupts). */
  static byte[] shellKernel(OnLine onLine) {
    Assembler a = new Assembler(BASE);
    a.li(S2, UART).li(S3, BUF).li(S4, 0);
    print(a, "xv6 kernel is booting\n\ninit: starting sh\n$ ");
    a.label("poll").lbu(T0, 5, S2).andi(T0, T0, 1).beqz(T0, "poll");
    a.lbu(T1, 0, S2).li(T3, 4).beq(T1, T3, "poll"); // ^D: nothing to end here
    a.sb(T1, 0, S2); // echo, as xv6's console does
    a.add(T2, S3, S4).sb(T1, 0, T2).addi(S4, S4, 1);
    a.li(T3, '\n').bne(T1, T3, "poll");
    switch (onLine) {
      case ANSWER -> {
        print(a, "ran: ");
        a.li(T4, 0).label("out").add(T2, S3, T4).lbu(T1, 0, T2).sb(T1, 0, S2);
        a.addi(T4, T4, 1).blt(T4, S4, "out").li(S4, 0);
        print(a, "$ ");
        a.j("poll");
      }
      case PANIC -> {
        print(a, "panic: toy kernel gives up\n");
        a.label("spin").j("spin");
      }
      case SPIN -> a.label("spin").j("spin");
      case WFI -> a.label("wait").raw32(0x10500073).j("wait");
    }
    return elf(a, BASE);
  }

  /** Prints a line and spins without ever prompting. */
  static byte[] silentKernel() {
    Assembler a = new Assembler(BASE);
    a.li(S2, UART);
    print(a, "hello\n");
    a.label("spin").j("spin");
    return elf(a, BASE);
  }

  /** Prints a line and waits in wfi with no timer armed: idle before any prompt. */
  static byte[] idleKernel() {
    Assembler a = new Assembler(BASE);
    a.li(S2, UART);
    print(a, "hello\n");
    a.label("wait").raw32(0x10500073).j("wait");
    return elf(a, BASE);
  }

  private static byte[] elf(Assembler a, long at) {
    int rwx = Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X;
    return new Elf64Writer().segment(at, a.assemble(), 0x2000, rwx).entry(at).write();
  }

  private Path write(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private Path image() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    return write("fs.img", d.contents());
  }

  private int runOn(byte[] kernel, String... rest) throws Exception {
    Path k = write("kernel", kernel);
    Path img = image();
    List<String> args = new ArrayList<>(List.of("run", "--kernel", k.toString()));
    args.addAll(List.of("--fs", img.toString()));
    args.addAll(List.of(rest));
    return run(args.toArray(new String[0]));
  }

  @Test
  void runTypesTheCommandAtThePromptAndPrintsItsOutput() throws Exception {
    Path img = image();
    byte[] before = Files.readAllBytes(img);
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    int code =
        run("run", "--kernel", k.toString(), "--fs", img.toString(), "--", "echo", "hi", "-n");
    assertThat(stderr()).isEmpty();
    assertThat(code).isEqualTo(0);
    assertThat(stdout()).isEqualTo("ran: echo hi -n\n");
    assertThat(Files.readAllBytes(img)).isEqualTo(before); // the user's image is never written
  }

  @Test
  void stdinIsTypedAfterTheCommandLine() throws Exception {
    Path in = write("in.txt", "more\n".getBytes(StandardCharsets.UTF_8));
    int code = runOn(shellKernel(OnLine.ANSWER), "--stdin", in.toString(), "--", "cat");
    assertThat(code).isEqualTo(0);
    // the toy's "cat" reads nothing, so its shell gets the line; the run ends once all is read
    assertThat(stdout()).isEqualTo("ran: cat\n$ more\nran: more\n");
  }

  @Test
  void aPanicIsReportedAndExitsOne() throws Exception {
    int code = runOn(shellKernel(OnLine.PANIC), "--", "ls");
    assertThat(code).isEqualTo(Main.EXIT_FINDING);
    assertThat(stderr()).contains("the kernel panicked: panic: toy kernel gives up");
  }

  @Test
  void aKernelThatNeverPromptsIsBadInputAndNothingIsWritten() throws Exception {
    Path out = dir.resolve("out.img");
    int code =
        runOn(silentKernel(), "--max-steps", "200000", "--fs-out", out.toString(), "--", "ls");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr())
        .contains("the kernel did not reach a prompt ('init: starting sh' then '$ ')");
    assertThat(stderr()).contains("within 200000 steps (--max-steps)");
    assertThat(stdout()).isEmpty();
    assertThat(out.toFile().exists()).isFalse();
    code = runOn(idleKernel(), "--fs-out", out.toString(), "--", "ls");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("did not reach a prompt");
    assertThat(stderr()).contains("the machine went idle after");
    assertThat(out.toFile().exists()).isFalse();
  }

  @Test
  void aKernelThatPanicsBeforeItsPromptIsAFinding() throws Exception {
    Assembler a = new Assembler(BASE);
    a.li(S2, UART);
    print(a, "xv6 kernel is booting\npanic: kinit\n");
    a.label("spin").j("spin");
    assertThat(runOn(elf(a, BASE), "--max-steps", "200000", "--", "ls"))
        .isEqualTo(Main.EXIT_FINDING);
    assertThat(stderr()).contains("the kernel panicked: panic: kinit");
  }

  @Test
  void bootEndsAsBadInputWhenTheKernelNeverPrompted() throws Exception {
    Path k = write("kernel", idleKernel());
    FullSystem fs = FullSystem.open(k, image(), 128, 1, 0);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ConsoleSession s = new ConsoleSession(fs, new PrintStream(o, true), new PrintStream(o, true));
    CliError e = assertThrows(CliError.class, () -> s.run(new ByteArrayInputStream(new byte[0])));
    assertThat(e.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(e).hasMessageThat().contains("the kernel did not reach a prompt ('$ ')");
    assertThat(e).hasMessageThat().contains("the machine went idle");
    assertThat(o.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
  }

  @Test
  void aCommandThatNeverEndsRunsOutOfSteps() throws Exception {
    int code = runOn(shellKernel(OnLine.SPIN), "--max-steps", "300000", "--", "ls");
    assertThat(code).isEqualTo(Main.EXIT_FINDING);
    assertThat(stderr()).contains("command did not finish within 300000 steps");
  }

  @Test
  void bootFeedsInputToTheUartAndEndsAtEndOfInput() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    FullSystem fs = FullSystem.open(k, image(), 128, 1, 0);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    ConsoleSession s = new ConsoleSession(fs, new PrintStream(o, true), new PrintStream(e, true));
    int code = s.run(new ByteArrayInputStream("ls\nwc\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(code).isEqualTo(0);
    assertThat(o.toString(StandardCharsets.UTF_8))
        .endsWith("init: starting sh\n$ ls\nran: ls\n$ wc\nran: wc\n$ ");
  }

  @Test
  void bootEndsWith130AtCtrlC() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    FullSystem fs = FullSystem.open(k, null, 128, 2, 0);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ConsoleSession s = new ConsoleSession(fs, new PrintStream(o, true), new PrintStream(o, true));
    assertThat(s.run(new ByteArrayInputStream(new byte[] {'l', 3}))).isEqualTo(130);
  }

  // ---------------------------------------------------------------- bad input: exit 2

  private void assertBadKernel(byte[] kernel, String message) throws Exception {
    Path img = image();
    byte[] before = Files.readAllBytes(img);
    assertThat(runOn(kernel, "--", "ls")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains(message);
    assertThat(stderr()).doesNotContain("Exception");
    assertThat(stdout()).isEmpty();
    assertThat(Files.readAllBytes(dir.resolve("fs.img"))).isEqualTo(before);
  }

  private static byte[] patched(byte[] elf, int off, byte... bytes) {
    byte[] b = elf.clone();
    System.arraycopy(bytes, 0, b, off, bytes.length);
    return b;
  }

  @Test
  void kernelsThatCannotBootAreBadInput() throws Exception {
    byte[] good = shellKernel(OnLine.ANSWER);
    assertBadKernel("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), "not an ELF file");
    assertBadKernel(patched(good, 4, (byte) 1), "not a 64-bit ELF file");
    assertBadKernel(patched(good, 18, (byte) 62, (byte) 0), "not a RISC-V executable");
    int phoff = (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(32);
    assertBadKernel(patched(good, phoff, (byte) 4), "no loadable (PT_LOAD) segment");
    Assembler a = new Assembler(0x1000);
    a.label("spin").j("spin");
    assertBadKernel(elf(a, 0x1000), "is outside RAM");
  }

  @Test
  void aKernelLargerThanRamIsBadInput() throws Exception {
    Assembler a = new Assembler(BASE + (2 << 20));
    a.label("spin").j("spin");
    Path k = write("kernel", elf(a, BASE + (2 << 20)));
    assertThat(run("boot", "--kernel", k.toString(), "--ram", "1")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("is outside RAM [0x80000000, 0x80100000) (see --ram)");
  }

  @Test
  void imagesOfTheWrongSizeAreBadInput() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    byte[] good = Files.readAllBytes(image());
    Path odd = write("odd.img", Arrays.copyOf(good, good.length - 24));
    assertThat(run("run", "--kernel", k.toString(), "--fs", odd.toString(), "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("not a whole number of 1024-byte blocks");
    Path cut = write("cut.img", Arrays.copyOf(good, good.length / 2));
    assertThat(run("run", "--kernel", k.toString(), "--fs", cut.toString(), "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("the superblock says");
    Path zero = write("zero.img", new byte[8 * 1024]);
    assertThat(run("run", "--kernel", k.toString(), "--fs", zero.toString(), "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("not an xv6 file system");
    assertThat(Files.readAllBytes(cut)).isEqualTo(Arrays.copyOf(good, good.length / 2));
  }

  @Test
  void missingFilesAreBadInput() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    String none = dir.resolve("none").toString();
    assertThat(run("run", "--kernel", none, "--fs", image().toString(), "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("no such file (the kernel)");
    assertThat(run("run", "--kernel", k.toString(), "--fs", none, "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("no such file (the file system image)");
    assertThat(run("run", "--kernel", k.toString(), "--", "ls")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("run --kernel needs --fs IMAGE");
    assertThat(run("run", "--harts", "2", "--", "ls")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--harts needs --kernel");
  }

  // ---------------------------------------------------------------- issue 13 leftovers

  @Test
  void anIdleMachineIsReportedAsIdleNotAsOutOfSteps() throws Exception {
    // the first slice (10^7 steps) is spent polling at the prompt, the second goes idle
    int code = runOn(shellKernel(OnLine.WFI), "--max-steps", "30000000", "--", "ls");
    assertThat(code).isEqualTo(Main.EXIT_FINDING);
    assertThat(stderr()).contains("command did not finish: the machine went idle after");
    assertThat(stderr()).doesNotContain("within 30000000 steps");
  }

  @Test
  void fsOutKeepsTheDiskAsTheMachineLeftIt() throws Exception {
    Path img = image();
    byte[] before = Files.readAllBytes(img);
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    FullSystem fs = FullSystem.open(k, img, 128, 1, 0);
    byte[] block = new byte[FsFormat.BSIZE];
    Arrays.fill(block, (byte) 0x5A);
    fs.disk.write(7, block); // as the kernel's virtio writes would
    Path out = dir.resolve("after.img");
    fs.writeDisk(out);
    byte[] after = Files.readAllBytes(out);
    assertThat(after.length).isEqualTo(before.length);
    assertThat(Arrays.copyOfRange(after, 7 * FsFormat.BSIZE, 8 * FsFormat.BSIZE)).isEqualTo(block);
    assertThat(Arrays.copyOf(after, 7 * FsFormat.BSIZE))
        .isEqualTo(Arrays.copyOf(before, 7 * FsFormat.BSIZE));
    assertThat(Files.readAllBytes(img)).isEqualTo(before); // --fs itself untouched
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count())
          .isEqualTo(0);
    }
  }

  @Test
  void runWithFsOutWritesTheDiskAfterTheCommand() throws Exception {
    Path out = dir.resolve("out.img");
    int code = runOn(shellKernel(OnLine.ANSWER), "--fs-out", out.toString(), "--", "ls");
    assertThat(code).isEqualTo(0);
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(dir.resolve("fs.img")));
  }

  @Test
  void quantumReachesTheFullSystemMachine() throws Exception {
    MachineOptions o = new MachineOptions();
    o.kernel = write("kernel", shellKernel(OnLine.ANSWER));
    o.harts = 2;
    o.ramMiB = 128;
    o.quantum = 777L;
    assertThat(o.fullSystem().machine.config().quantum()).isEqualTo(777);
    o.quantum = null;
    assertThat(o.fullSystem().machine.config().quantum()).isEqualTo(MachineOptions.HART_QUANTUM);
  }

  @Test
  void optionsOfTheOtherKernelAreRefused() throws Exception {
    assertThat(run("run", "--max-steps", "1000", "--", "ls")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--max-steps needs --kernel");
    assertThat(run("run", "--fs-out", dir.resolve("x").toString(), "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--fs-out needs --kernel");
    assertThat(dir.resolve("x").toFile().exists()).isFalse();
    assertThat(runOn(shellKernel(OnLine.ANSWER), "--max-instructions", "5", "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("with --kernel the budget is --max-steps");
    assertThat(runOn(shellKernel(OnLine.ANSWER), "--quantum", "1", "--", "ls"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--quantum must be at least 2 steps with --kernel");
  }

  @Test
  void bootDoesNotCutOffASilentCommandUnderXv6sShell() {
    // usertests prints nothing for billions of steps while it counts free pages
    String running = "init: starting sh\n$ usertests -q\nusertests starting\n";
    assertThat(ConsoleSession.atRest(running, ConsoleSession.QUIET_SLICES)).isFalse();
    assertThat(ConsoleSession.atRest(running, ConsoleSession.QUIET_SLICES_SHELL)).isTrue();
    assertThat(ConsoleSession.atRest(running + "$ ", 1)).isTrue();
    assertThat(ConsoleSession.atRest("hello\n", ConsoleSession.QUIET_SLICES)).isTrue();
    assertThat(ConsoleSession.atRest("hello\n", ConsoleSession.QUIET_SLICES - 1)).isFalse();
  }

  @Test
  void benchTimesTheBootAndTheCommandOfACKernel() throws Exception {
    int code = benchOnce(OnLine.ANSWER, "usertests -q");
    assertThat(stderr()).doesNotContain("Exception");
    assertThat(code).isEqualTo(0);
    assertThat(stdout()).contains("system.boot ");
    assertThat(stdout()).containsMatch("1 hart\\(s\\): to the first \"\\$ \".* [1-9][0-9]* steps");
    assertThat(stdout()).contains("system.command ");
    assertThat(stdout()).contains("'usertests -q' once, 1 hart(s)");
    // A figure, whatever its size: a wall-clock speed is not for a unit test to judge.
    assertThat(stdout()).containsMatch("system.boot.mips +[0-9]+\\.[0-9] MIPS");
    assertThat(stdout()).contains("system.command.mips");
    assertThat(stdout()).doesNotContain("qemu.");
  }

  @Test
  void benchSystemNeedsAKernel() throws Exception {
    assertThat(run("bench", "--no-fork", "--only", "system")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("needs --kernel ELF and --fs IMAGE");
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    assertThat(run("bench", "--no-fork", "--only", "alu", "--kernel", k.toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--kernel is for the 'system' group");
  }

  @Test
  void benchReportsACommandThatNeverComesBack() throws Exception {
    int code = benchOnce(OnLine.PANIC, "ls");
    assertThat(code).isEqualTo(Main.EXIT_FINDING);
    assertThat(stderr()).contains("'ls' did not come back to the prompt");
  }

  @Test
  void benchRefusesAKernelThatNeverPrompts() throws Exception {
    int code = bench(idleKernel(), "ls");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("the kernel did not reach a prompt");
    assertThat(stdout()).doesNotContain("system.boot ");
  }

  /** Where this build's emulator classes are: a classes directory, or a jar in some layouts. */
  private static Path thisBuild() throws Exception {
    return Path.of(SystemMachine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  void benchAgainstAnotherBuildTimesBothOnTheSameSteps() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    int code =
        run(
            "bench",
            "--kernel",
            k.toString(),
            "--fs",
            image().toString(),
            "--command",
            "ls",
            "--against",
            thisBuild().toString(),
            "--turn",
            "20000");
    assertThat(stderr()).doesNotContain("Exception");
    assertThat(code).isEqualTo(Main.EXIT_OK);
    assertThat(stdout())
        .containsMatch("boot and 'ls', 1 hart\\(s\\): [0-9,]+ steps in [0-9]+ turns");
    assertThat(stdout()).containsMatch("this build +[0-9]+\\.[0-9]+ s");
    assertThat(stdout()).containsMatch("other build +[0-9]+\\.[0-9]+ s");
    assertThat(stdout()).containsMatch("ratio +[0-9]+\\.[0-9]{3}");
    assertThat(stdout()).contains("consoles       identical at every turn");
  }

  @Test
  void benchAgainstNamesWhereTwoBuildsPart() throws Exception {
    byte[] image = Files.readAllBytes(image());
    ClassLoader here = getClass().getClassLoader();
    PairedBench.Side answers =
        new PairedBench.Side("answering", here, shellKernel(OnLine.ANSWER), image, 1);
    PairedBench.Side panics =
        new PairedBench.Side("panicking", here, shellKernel(OnLine.PANIC), image, 1);
    PairedBench.Result r =
        PairedBench.compare(
            answers,
            panics,
            "ls",
            20_000,
            10_000_000,
            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    // Both boot alike and echo "ls"; then one answers and the other panics.
    assertThat(r.difference()).contains("the consoles differ at byte 46");
    assertThat(r.difference()).contains("this build 'ran: ls");
    assertThat(r.difference()).contains("the other 'panic: toy kernel gives up");
    assertThat(r.turns()).isLessThan(500);
  }

  @Test
  void benchAgainstRefusesWhatIsNoBuild() throws Exception {
    Path k = write("kernel", shellKernel(OnLine.ANSWER));
    String img = image().toString();
    assertThat(run("bench", "--kernel", k.toString(), "--fs", img, "--against", dir.toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("no xv6ckpt build there");
    assertThat(run("bench", "--against", dir.toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--against needs --kernel ELF and --fs IMAGE");
    Path empty = write("empty.jar", new byte[0]);
    assertThat(run("bench", "--kernel", k.toString(), "--fs", img, "--against", empty.toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("cannot drive its full-system machine");
    String classes = thisBuild().toString();
    assertThat(
            run(
                "bench",
                "--kernel",
                k.toString(),
                "--fs",
                img,
                "--against",
                classes,
                "--turn",
                "0"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--turn must be at least 1 step");
  }

  /** bench's system group, one run, no warm-up, no qemu, on a shell kernel answering as given. */
  private int benchOnce(OnLine onLine, String command) throws Exception {
    return bench(shellKernel(onLine), command);
  }

  private int bench(byte[] kernel, String command) throws Exception {
    Path k = write("kernel", kernel);
    return run(
        "bench",
        "--no-fork",
        "--qemu",
        "off",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--kernel",
        k.toString(),
        "--fs",
        image().toString(),
        "--command",
        command);
  }
}
