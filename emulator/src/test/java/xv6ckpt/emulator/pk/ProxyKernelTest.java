package xv6ckpt.emulator.pk;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.SP;
import static xv6ckpt.emulator.asm.Reg.T0;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.pk.ProxyKernel.LoadException;
import xv6ckpt.emulator.pk.ProxyKernel.Outcome;

/** The proxy kernel's contract: argument passing, its two system calls, and how programs die. */
class ProxyKernelTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Outcome run(Assembler asm, List<String> args) throws Exception {
    ProxyKernel pk = new ProxyKernel(8 << 20, out, err);
    pk.load(asm.toElf("_start", "data"), args, ProxyKernel.DEFAULT_STACK);
    return pk.run(1_000_000);
  }

  /** Code that calls write(fd, buf, n) then exit(a0 of write's result). */
  private static Assembler writeThenExitWithResult(int fd, String bufLabel, long bufAddr, long n) {
    Assembler a = new Assembler(0).label("_start").li(A0, fd);
    if (bufLabel != null) {
      a.la(A1, bufLabel);
    } else {
      a.li(A1, bufAddr);
    }
    return a.li(A2, n).li(A7, ProxyKernel.SYS_WRITE).ecall().li(A7, ProxyKernel.SYS_EXIT).ecall();
  }

  @Test
  void writeReachesStdoutAndStderrAndReturnsTheCount() throws Exception {
    Assembler a =
        new Assembler(0)
            .label("_start")
            .li(A0, 1)
            .la(A1, "msg")
            .li(A2, 6)
            .li(A7, ProxyKernel.SYS_WRITE)
            .ecall()
            .mv(S0, A0)
            .li(A0, 2)
            .la(A1, "msg")
            .li(A2, 3)
            .li(A7, ProxyKernel.SYS_WRITE)
            .ecall()
            .add(A0, A0, S0)
            .li(A7, ProxyKernel.SYS_EXIT)
            .ecall();
    a.align(4096).label("data").label("msg").ascii("hello!");
    Outcome o = run(a, List.of("p"));
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("hello!");
    assertThat(err.toString(StandardCharsets.US_ASCII)).isEqualTo("hel");
    assertThat(((Outcome.Exited) o).status()).isEqualTo(9);
  }

  @Test
  void argumentsArriveAsXv6ExecPassesThem() throws Exception {
    // exit(argc * 1000 + argv[1][0] + argv[2][1]), and sp must be 16-byte aligned and == argv.
    Assembler a =
        new Assembler(0)
            .label("_start")
            .andi(T0, SP, 15)
            .bnez(T0, "bad")
            .bne(SP, A1, "bad")
            .li(T0, 1000)
            .mul(S0, A0, T0)
            .ld(S1, 8, A1)
            .lbu(T0, 0, S1)
            .add(S0, S0, T0)
            .ld(S1, 16, A1)
            .lbu(T0, 1, S1)
            .add(S0, S0, T0)
            .ld(S1, 24, A1)
            .bnez(S1, "bad") // argv[argc] == 0
            .mv(A0, S0)
            .li(A7, ProxyKernel.SYS_EXIT)
            .ecall()
            .label("bad")
            .li(A0, -7)
            .li(A7, ProxyKernel.SYS_EXIT)
            .ecall();
    a.align(4096).label("data").dword(0);
    Outcome o = run(a, List.of("prog", "A", "xB"));
    assertThat(((Outcome.Exited) o).status()).isEqualTo(3000 + 'A' + 'B');
  }

  @Test
  void writeFromAnUnmappedOrGuardAddressFails() throws Exception {
    Assembler unmapped = writeThenExitWithResult(1, null, 0x7000_0000L, 4);
    unmapped.align(4096).label("data").dword(0);
    assertThat(((Outcome.Exited) run(unmapped, List.of("p"))).status()).isEqualTo(-1);

    // Straddling: the last byte of the data page and the first of the unmapped page after it.
    Assembler straddle = writeThenExitWithResult(1, null, 0x1fff, 2);
    straddle.align(4096).label("data").dword(0);
    assertThat(((Outcome.Exited) run(straddle, List.of("p"))).status()).isEqualTo(-1);
    assertThat(out.size()).isEqualTo(0);
  }

  @Test
  void writeToAnotherFdOrWithANegativeLengthFails() throws Exception {
    Assembler badFd = writeThenExitWithResult(3, "data", 0, 1);
    badFd.align(4096).label("data").dword(0);
    assertThat(((Outcome.Exited) run(badFd, List.of("p"))).status()).isEqualTo(-1);
    Assembler negative = writeThenExitWithResult(1, "data", 0, -1);
    negative.align(4096).label("data").dword(0);
    assertThat(((Outcome.Exited) run(negative, List.of("p"))).status()).isEqualTo(-1);
  }

  @Test
  void anUnknownSystemCallReturnsMinusOne() throws Exception {
    Assembler a =
        new Assembler(0).label("_start").li(A7, 99).ecall().li(A7, ProxyKernel.SYS_EXIT).ecall();
    a.align(4096).label("data").dword(0);
    assertThat(((Outcome.Exited) run(a, List.of("p"))).status()).isEqualTo(-1);
  }

  @Test
  void aStoreToTheTextSegmentKillsTheProgramWithXv6sMessage() throws Exception {
    Assembler a =
        new Assembler(0)
            .label("_start")
            .li(T0, 0x10)
            .sd(T0, 0, T0) // text is R+X, not W: store page fault at 0x10
            .li(A7, ProxyKernel.SYS_EXIT)
            .ecall();
    a.align(4096).label("data").dword(0);
    Outcome o = run(a, List.of("p"));
    assertThat(o).isInstanceOf(Outcome.Killed.class);
    Trap t = ((Outcome.Killed) o).trap();
    assertThat(t).isInstanceOf(Trap.PageFault.class);
    assertThat(err.toString(StandardCharsets.US_ASCII))
        .isEqualTo(
            String.format(
                "usertrap(): unexpected scause 0xf pid=1%n            sepc=0x%x stval=0x10%n",
                t.pc()));
  }

  @Test
  void theInstructionLimitStopsAnEndlessLoopExactly() throws Exception {
    Assembler a = new Assembler(0).label("_start").label("loop").j("loop");
    a.align(4096).label("data").dword(0);
    ProxyKernel pk = new ProxyKernel(8 << 20, out, err);
    pk.load(a.toElf("_start", "data"), List.of("p"), ProxyKernel.DEFAULT_STACK);
    Outcome o = pk.run(12345);
    assertThat(o).isInstanceOf(Outcome.LimitReached.class);
    assertThat(o.instructions()).isEqualTo(12345);
  }

  @Test
  void tooManyArgumentsAreRefused() {
    Assembler a = new Assembler(0).label("_start").ecall();
    a.align(4096).label("data").dword(0);
    ProxyKernel pk = new ProxyKernel(8 << 20, out, err);
    List<String> args = java.util.Collections.nCopies(ProxyKernel.MAXARG + 1, "x");
    LoadException e =
        assertThrows(
            LoadException.class,
            () -> pk.load(a.toElf("_start", "data"), args, ProxyKernel.DEFAULT_STACK));
    assertThat(e).hasMessageThat().contains("33 arguments");
  }

  @Test
  void aResetMachineRunsTheProgramAgainIdentically() throws Exception {
    ProxyKernel pk = new ProxyKernel(ProxyKernel.DEFAULT_RAM, out, err);
    pk.load(
        BundledPrograms.load("bench_crc").orElseThrow(),
        List.of("crc", "1"),
        ProxyKernel.DEFAULT_STACK);
    ProxyKernel.Snapshot loaded = pk.snapshot();
    Outcome first = pk.run(0);
    String firstOutput = out.toString(StandardCharsets.US_ASCII);
    pk.reset(loaded);
    Outcome second = pk.run(0);
    assertThat(((Outcome.Exited) first).status()).isEqualTo(0);
    assertThat(second).isEqualTo(first); // same status, same instruction count
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(firstOutput + firstOutput);
  }
}
