package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/** The real devices of the virt board, wired by {@link VirtBoard}, driven by a small kernel. */
class VirtBoardTest {

  static final long PLIC = SystemMachine.PLIC, UART = SystemMachine.UART0;

  /**
   * Prints "hi" through the UART, enables its receive interrupt at the PLIC for hart 0's M context
   * and waits; each received byte is claimed, read, completed and stored at DATA[n].
   */
  static Assembler consoleKernel() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).li(S2, UART).li(S3, PLIC).la(T0, "mtrap").csrw(MTVEC, T0);
    a.li(T0, 'h').sb(T0, 0, S2).li(T0, 'i').sb(T0, 0, S2);
    a.li(T0, 1).sw(T0, 4 * 10, S3); // priority of source 10
    a.li(T0, 1 << 10).li(T1, PLIC + 0x2000).sw(T0, 0, T1); // enabled for context 0
    a.li(T1, PLIC + 0x20_0000).sw(ZERO, 0, T1); // threshold 0
    a.li(T0, 1).sb(T0, 1, S2); // IER: receive data available
    a.li(T0, MEIP).csrw(MIE, T0).li(T0, MSTATUS_MIE).csrs(MSTATUS, T0);
    a.label("idle").raw32(0x10500073).j("idle");
    a.align(4).label("mtrap");
    a.csrr(T2, MCAUSE).sd(T2, 0, S0);
    a.li(T1, PLIC + 0x20_0004).lw(T3, 0, T1).sd(T3, 8, S0); // claim
    a.lbu(T4, 0, S2).slli(T5, S1, 3).add(T5, T5, S0).sd(T4, 16, T5).addi(S1, S1, 1); // RBR
    a.sw(T3, 0, T1).raw32(0x30200073); // complete
    return a;
  }

  @Test
  void consoleOutputAndReceiveInterruptsGoThroughUartAndPlic() {
    Rig r = new Rig(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VirtBoard board = new VirtBoard(r.m, null, out::write);
    r.load(consoleKernel());

    assertThat(r.m.run(100_000)).isEqualTo(SystemMachine.Stop.IDLE);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi");

    board.uart.receive("ok".getBytes(StandardCharsets.US_ASCII));
    r.m.run(100_000);

    assertThat(r.data(0)).isEqualTo(INTERRUPT | IRQ_MEI);
    assertThat(r.data(1)).isEqualTo(10); // the UART's source id, claimed
    assertThat(r.x(S1)).isEqualTo(2);
    assertThat(r.data(2)).isEqualTo('o');
    assertThat(r.data(3)).isEqualTo('k');
  }

  @Test
  void clintTimerOfTheRealBoardFiresOnTime() {
    Rig r = new Rig(1);
    new VirtBoard(r.m, null, b -> {});
    r.load(TimerTest.clintKernel(true));

    assertThat(r.m.run(TimerTest.TICKS * TimerTest.INTERVAL * 2))
        .isEqualTo(SystemMachine.Stop.IDLE);

    assertThat(r.x(S1)).isEqualTo(TimerTest.TICKS);
    TimerTest.assertOnTime(r, 3);
  }

  @Test
  void snapshotsIncludeTheDevices() {
    Rig r = new Rig(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VirtBoard board = new VirtBoard(r.m, null, out::write);
    r.load(consoleKernel());
    r.m.run(100_000);
    SystemMachine.Snapshot idle = r.m.snapshot();
    board.uart.receive("a".getBytes(StandardCharsets.US_ASCII));
    r.m.run(100_000);
    assertThat(r.data(2)).isEqualTo('a');

    r.m.reset(idle);
    board.uart.receive("b".getBytes(StandardCharsets.US_ASCII));
    r.m.run(100_000);

    assertThat(r.x(S1)).isEqualTo(1);
    assertThat(r.data(2)).isEqualTo('b');
  }
}
