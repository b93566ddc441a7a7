package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S1;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.RestartModel;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Restart records of every kind, generated, restored by the kernel, and judged by the spec ({@link
 * RestartModel}): every restartable call (read, sleep, wait) with every file kind an image can name
 * for a read (console, regular file; pipes cannot be in an image) and progress values from 0 to the
 * last allowed. The spec encodes the image, {@link CheckpointModel#restoreFile} must call it
 * restorable, the kernel restores it, and the restored process re-issues its call at its first
 * instruction. What the call then returns, what its buffer holds and when a sleep ends must be the
 * model's.
 *
 * <p>The image's process (a variant of {@code SpecImages}'): at 0 the re-issued ecall, then {@code
 * write(1, BUF, 64)} of the whole buffer, and {@code exit(uptime() << 8 | (r & 0xff))} where r is
 * what the call returned. Issue 12, bug 3: a restarted read of a regular file ignored progress (it
 * read into {@code buf + 0} and returned only what it read).
 */
@AddLifecycleHook(ScaledTries.class)
class RestartContinuationPropertyTest {
  private static final long BUF = 0x1000;
  private static final long SZ = 0x6000;
  private static final int DATA_FD = 3;
  private static final byte[] DATA =
      "The quick brown fox jumps over the lazy dog.".getBytes(StandardCharsets.ISO_8859_1);

  /** The kinds of restart record: a call, and for read the file it reads. */
  enum Kind {
    READ_CONSOLE,
    READ_FILE,
    SLEEP,
    WAIT
  }

  /**
   * One restart record: kind, n (read: the buffer size asked for, sleep: the ticks), progress, the
   * data file's offset, and the console line typed after the restore.
   */
  record Case(Kind kind, int n, long progress, int offset, String typed) {
    SyscallRestart restart() {
      long a0 =
          switch (kind) {
            case READ_CONSOLE -> 0;
            case READ_FILE -> DATA_FD;
            case SLEEP -> n;
            case WAIT -> 0; // wait(0): no status wanted
          };
      long a1 = kind == Kind.READ_CONSOLE || kind == Kind.READ_FILE ? BUF : 0x51;
      long a2 = kind == Kind.READ_CONSOLE || kind == Kind.READ_FILE ? n : 0x52;
      int sysnum =
          switch (kind) {
            case READ_CONSOLE, READ_FILE -> Xv6.SYS_read;
            case SLEEP -> Xv6.SYS_sleep;
            case WAIT -> Xv6.SYS_wait;
          };
      return new SyscallRestart(sysnum, List.of(a0, a1, a2, 0x53L, 0x54L, 0x55L), progress);
    }
  }

  @Provide
  Arbitrary<Case> records() {
    Arbitrary<String> line =
        Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(20).map(s -> s + "\n");
    Arbitrary<Case> reads =
        Combinators.combine(
                Arbitraries.of(Kind.READ_CONSOLE, Kind.READ_FILE),
                Arbitraries.integers().between(1, 64),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, DATA.length),
                line)
            .as((k, n, p, off, typed) -> new Case(k, n, edge(p, n), off, typed));
    Arbitrary<Case> sleeps =
        Combinators.combine(
                Arbitraries.integers().between(1, 30), Arbitraries.integers().between(0, 1000))
            .as((n, p) -> new Case(Kind.SLEEP, n, edge(p, n), 0, ""));
    Arbitrary<Case> waits = Arbitraries.just(new Case(Kind.WAIT, 0, 0, 0, ""));
    return Arbitraries.frequencyOf(Tuple.of(6, reads), Tuple.of(3, sleeps), Tuple.of(1, waits));
  }

  /** A progress below n from a raw draw, with 0 and n - 1 (the edges) often. */
  private static long edge(int raw, int n) {
    return switch (raw % 4) {
      case 0 -> 0;
      case 1 -> n - 1;
      default -> raw % n;
    };
  }

  @Property(tries = 150)
  void aRestoredCallContinuesFromItsProgressAsTheSpecSays(@ForAll("records") Case c)
      throws Exception {
    Statistics.label("call").collect(c.kind());
    Statistics.label("progress")
        .collect(
            c.progress() == 0
                ? "0"
                : c.kind() != Kind.WAIT && c.progress() == c.n() - 1 ? "n - 1" : "between");
    check(c);
  }

  /** The case: a read of a regular file restored with progress 4. */
  @Example
  void aFileReadWithProgressFourContinuesAtBufPlusFour() throws Exception {
    check(new Case(Kind.READ_FILE, 16, 4, 2, ""));
  }

  @Example
  void aConsoleReadWithProgressContinuesAtBufPlusProgress() throws Exception {
    check(new Case(Kind.READ_CONSOLE, 10, 3, 0, "hello world\n"));
  }

  // ---------------------------------------------------------------- one case, end to end

  private static void check(Case c) throws Exception {
    SyscallRestart rs = c.restart();
    byte[] bytes = ImageCodec.encode(image(rs, dataInum(), c.offset()));
    MemoryBlockDevice d =
        Disks.withFiles(8000, Map.of("data", DATA, "restore", SpecImages.restorer(), "img", bytes));
    Machine m = Machines.runner(d, Machines.LARGE);
    int pid = Machines.spawn(m, "restore", "img");
    // The model first: the spec must call this image restorable.
    RestoreResult r =
        CheckpointModel.restoreFile(
            SpecImages.caller(pid),
            Optional.of(bytes),
            SpecImages.view(d, List.of("data", "img", "restore")));
    assertWithMessage("%s: the model restores it", c)
        .that(r)
        .isInstanceOf(RestoreResult.Restored.class);
    long t0 = m.ticks();
    if (c.kind() == Kind.READ_CONSOLE) {
      m.consoleInput(c.typed());
    }
    Machine.Outcome out = Machines.finish(m, Machines.LONG_RUN);
    assertWithMessage("%s: outcome (console %s)", c, m.output())
        .that(out)
        .isInstanceOf(Machine.Outcome.Exited.class);
    int status = ((Machine.Outcome.Exited) out).status();
    byte[] before = SpecImages.filled(BUF);
    String echo = c.kind() == Kind.READ_CONSOLE ? c.typed() : "";
    String printed = m.output().substring(Math.min(echo.length(), m.output().length()));
    byte[] buffer = Arrays.copyOf(printed.getBytes(StandardCharsets.ISO_8859_1), 64);
    switch (c.kind()) {
      case READ_CONSOLE, READ_FILE -> {
        byte[] delivered =
            c.kind() == Kind.READ_FILE
                ? fileRead(c.offset(), RestartModel.readLeft(rs))
                : consoleRead(c.typed(), RestartModel.readLeft(rs));
        RestartModel.Read want = RestartModel.read(rs, Arrays.copyOf(before, 64), delivered);
        assertWithMessage("%s: console output", c)
            .that(m.output().length())
            .isEqualTo(echo.length() + 64);
        RestartModel.Read got = new RestartModel.Read(status & 0xff, buffer);
        assertWithMessage("%s", c)
            .that(got)
            .isEqualTo(new RestartModel.Read(want.returned() & 0xff, want.buffer()));
      }
      case SLEEP -> {
        assertWithMessage("%s: sleep returns 0", c).that(status & 0xff).isEqualTo(0);
        assertWithMessage("%s: ticks slept after the restore", c)
            .that((status >> 8) - t0)
            .isEqualTo(RestartModel.sleepLeft(rs));
        assertWithMessage("%s: buffer", c)
            .that(Arrays.equals(buffer, Arrays.copyOf(before, 64)))
            .isTrue();
      }
      case WAIT -> // the restored process keeps the caller's children: none
          assertWithMessage("%s: wait with no children", c).that(status & 0xff).isEqualTo(0xff);
    }
  }

  /** What a fresh read of at most n bytes of /data at offset gets. */
  private static byte[] fileRead(int offset, int n) {
    return Arrays.copyOfRange(DATA, offset, Math.min(DATA.length, offset + n));
  }

  /** consoleread of at most n bytes from a line just typed: up to and including the '\n'. */
  private static byte[] consoleRead(String typed, int n) {
    byte[] line = typed.getBytes(StandardCharsets.ISO_8859_1);
    return Arrays.copyOf(line, Math.min(n, line.length));
  }

  // ---------------------------------------------------------------- the image and the disk

  private static long dataInum() throws Exception {
    MemoryBlockDevice d =
        Disks.withFiles(
            8000, Map.of("data", DATA, "restore", SpecImages.restorer(), "img", new byte[1]));
    return FileSystem.mount(d).stat("/data").ino();
  }

  private static Image image(SyscallRestart rs, long dataInum, int offset) {
    long[] x = new long[31];
    for (int n = 1; n <= 31; n++) {
      x[n - 1] = 0x0101_0101_0000_0000L * n + n;
    }
    x[2 - 1] = 0x4000; // sp
    for (int i = 0; i < 6; i++) {
      x[10 + i - 1] = rs.args().get(i);
    }
    x[17 - 1] = rs.sysnum();
    return new Image(
        new Image.Header(0xc0ffee, 7, "restarted", SZ),
        Registers.of(x, 0),
        rs,
        List.of(
            OpenFile.console(0, true, false),
            OpenFile.console(1, false, true),
            OpenFile.console(2, false, true),
            OpenFile.file(DATA_FD, true, false, "/data", dataInum, offset)),
        SpecImages.pages(text()));
  }

  /** The re-issued ecall; write(1, BUF, 64); exit(uptime() << 8 | (result & 0xff)). */
  private static byte[] text() {
    Assembler a = new Assembler(0);
    a.ecall();
    a.andi(S1, A0, 0xff);
    a.li(A0, 1).li(A1, BUF).li(A2, 64).li(A7, Xv6Abi.SYS_write).ecall();
    a.li(A7, Xv6Abi.SYS_uptime).ecall();
    a.slli(A0, A0, 8).or(A0, A0, S1);
    a.li(A7, Xv6Abi.SYS_exit).ecall();
    byte[] code = a.assemble();
    return Arrays.copyOf(code, 4096);
  }
}
