package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The UART wired to the PLIC as the virt board wires them, driven as xv6's trap.c does. */
class ConsoleInterruptTest {

  private static final int HART = 0;
  private static final int CTX = Plic.supervisorContext(HART);
  private static final long SCLAIM = Plic.CONTEXT + Plic.CONTEXT_STRIDE * CTX + 4;

  private final Plic plic = new Plic(1, Plic.VIRT_SOURCES);
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final Uart16550 uart = new Uart16550(plic.line(Uart16550.VIRT_IRQ), out::write);

  ConsoleInterruptTest() {
    plic.onClaim(Uart16550.VIRT_IRQ, uart::interruptClaimed);
    plic.write(Plic.PRIORITY + 4 * Uart16550.VIRT_IRQ, 4, 1);
    plic.write(Plic.ENABLE + Plic.ENABLE_STRIDE * CTX, 4, 1 << Uart16550.VIRT_IRQ);
    uart.write(Uart16550.IER, 1, Uart16550.IER_RX_ENABLE | Uart16550.IER_TX_ENABLE);
  }

  /** devintr then uartintr of xv6-riscv from 2022, which never reads IIR. */
  private void oldDevintr() {
    int irq = (int) plic.read(SCLAIM, 4);
    assertThat(irq).isEqualTo(Uart16550.VIRT_IRQ);
    while ((uart.read(Uart16550.LSR, 1) & Uart16550.LSR_RX_READY) != 0) {
      uart.read(Uart16550.RHR, 1);
    }
    plic.write(SCLAIM, 4, irq);
  }

  @Test
  void aKernelThatNeverReadsIirTakesOneTxInterruptPerTransmission() {
    assertThat(plic.seip(HART)).isTrue(); // tx empty after enabling
    oldDevintr();
    assertThat(plic.seip(HART)).isFalse(); // no storm: a level held until IIR is read would be
    uart.write(Uart16550.THR, 1, 'a');
    assertThat(plic.seip(HART)).isTrue();
    oldDevintr();
    assertThat(plic.seip(HART)).isFalse();
  }

  @Test
  void aTransmissionWhileTheUartIsInFlightIsDeliveredAfterTheCompletion() {
    uart.receive(new byte[] {'x'});
    int irq = (int) plic.read(SCLAIM, 4); // hart A takes the rx interrupt
    uart.write(Uart16550.THR, 1, 'y'); // another hart transmits meanwhile
    uart.read(Uart16550.RHR, 1);
    plic.write(SCLAIM, 4, irq);
    assertThat(plic.seip(HART)).isTrue(); // the tx event was not lost
  }

  @Test
  void inputArrivingLaterInterruptsAgain() {
    oldDevintr();
    uart.receive(new byte[] {'k'});
    assertThat(plic.seip(HART)).isTrue();
    oldDevintr();
    assertThat(uart.unreadInput()).isEqualTo(0);
    assertThat(plic.seip(HART)).isFalse();
  }
}
