package xv6ckpt.emulator.dev;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.dev.Uart16550.FCR;
import static xv6ckpt.emulator.dev.Uart16550.IER;
import static xv6ckpt.emulator.dev.Uart16550.ISR;
import static xv6ckpt.emulator.dev.Uart16550.LCR;
import static xv6ckpt.emulator.dev.Uart16550.LSR;
import static xv6ckpt.emulator.dev.Uart16550.RHR;
import static xv6ckpt.emulator.dev.Uart16550.SCR;
import static xv6ckpt.emulator.dev.Uart16550.THR;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Uart16550Test {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private boolean line;
  private final Uart16550 uart = new Uart16550(level -> line = level, out::write);

  /** uartinit of xv6: interrupts off, 38.4K baud, 8 bits, FIFOs reset, both interrupts on. */
  private void uartinit() {
    uart.write(IER, 1, 0x00);
    uart.write(LCR, 1, 0x80);
    uart.write(0, 1, 0x03);
    uart.write(1, 1, 0x00);
    uart.write(LCR, 1, 0x03);
    uart.write(FCR, 1, 0x07);
    uart.write(IER, 1, 0x03);
  }

  /** uartputc_sync of xv6: wait for THR empty in LSR, then write THR. */
  private void putcSync(int c) {
    int spins = 0;
    while ((uart.read(LSR, 1) & Uart16550.LSR_TX_IDLE) == 0) {
      assertThat(++spins).isLessThan(10);
    }
    uart.write(THR, 1, c);
  }

  /** uartgetc of xv6: a byte if LSR says one is ready, else -1. */
  private int getc() {
    return (uart.read(LSR, 1) & Uart16550.LSR_RX_READY) != 0 ? (int) uart.read(RHR, 1) : -1;
  }

  private String output() {
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void uartinitSetsTheDivisorWithoutTransmittingAndRaisesTxEmpty() {
    uartinit();
    assertThat(output()).isEmpty(); // the divisor bytes went to DLL/DLM, not to THR
    uart.write(LCR, 1, 0x83);
    assertThat(uart.read(0, 1)).isEqualTo(0x03);
    assertThat(uart.read(1, 1)).isEqualTo(0x00);
    uart.write(LCR, 1, 0x03);
    assertThat(uart.read(IER, 1)).isEqualTo(0x03);
    assertThat(line).isTrue(); // enabling the tx interrupt with THR empty raises it
    assertThat(uart.read(ISR, 1)).isEqualTo(0xc0 | Uart16550.IIR_THR_EMPTY);
    assertThat(line).isFalse(); // reading IIR acknowledged it
    assertThat(uart.read(ISR, 1)).isEqualTo(0xc0 | Uart16550.IIR_NONE);
  }

  @Test
  void synchronousOutputReachesTheSinkInOrder() {
    uartinit();
    for (byte b : "hello\n".getBytes(StandardCharsets.ISO_8859_1)) {
      putcSync(b);
    }
    assertThat(output()).isEqualTo("hello\n");
    assertThat(uart.read(LSR, 1) & 0x60).isEqualTo(0x60);
  }

  @Test
  void everyThrWriteRaisesTxEmptyAgainAndTheClaimEndsIt() {
    uartinit();
    uart.interruptClaimed();
    assertThat(line).isFalse();
    uart.write(THR, 1, 'x'); // uartstart: the tx interrupt follows, as xv6 relies on
    assertThat(line).isTrue();
    uart.read(LSR, 1); // pre-2023 uartintr reads only LSR (and RHR): not an acknowledgement
    assertThat(line).isTrue();
    uart.interruptClaimed(); // but the PLIC's claim delivered the event
    assertThat(line).isFalse();
  }

  @Test
  void txEmptyIsSilentWhileItsEnableIsOff() {
    uartinit();
    uart.write(IER, 1, Uart16550.IER_RX_ENABLE);
    uart.write(THR, 1, 'x');
    assertThat(line).isFalse();
    assertThat(uart.read(ISR, 1) & 0x0f).isEqualTo(Uart16550.IIR_NONE);
  }

  @Test
  void inputRaisesTheLineUntilTheLastByteIsRead() {
    uartinit();
    uart.read(ISR, 1); // acknowledge tx empty
    assertThat(getc()).isEqualTo(-1);
    uart.receive("ls\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(line).isTrue();
    assertThat(uart.read(ISR, 1)).isEqualTo(0xc0 | Uart16550.IIR_RX_DATA);
    StringBuilder got = new StringBuilder();
    for (int c = getc(); c != -1; c = getc()) {
      got.append((char) c);
    }
    assertThat(got.toString()).isEqualTo("ls\n");
    assertThat(line).isFalse();
    assertThat(uart.unreadInput()).isEqualTo(0);
  }

  @Test
  void receivedDataOutranksTxEmptyInIir() {
    uartinit();
    uart.receive(new byte[] {'a'});
    assertThat(uart.read(ISR, 1) & 0x0f).isEqualTo(Uart16550.IIR_RX_DATA);
    assertThat(getc()).isEqualTo('a');
    assertThat(uart.read(ISR, 1) & 0x0f).isEqualTo(Uart16550.IIR_THR_EMPTY);
  }

  @Test
  void inputFedBeforeUartinitSurvivesTheFifoReset() {
    byte[] lots = new byte[1000];
    for (int i = 0; i < lots.length; i++) {
      lots[i] = (byte) i;
    }
    uart.receive(lots);
    uart.receive(new byte[] {42});
    uartinit();
    for (int i = 0; i < lots.length; i++) {
      assertThat(getc()).isEqualTo(i & 0xff);
    }
    assertThat(getc()).isEqualTo(42);
    assertThat(getc()).isEqualTo(-1);
  }

  @Test
  void scratchAndLineControlReadBackAndEmptyOffsetsReadZero() {
    uart.write(SCR, 1, 0x5a);
    assertThat(uart.read(SCR, 1)).isEqualTo(0x5a);
    uart.write(LCR, 4, 0x1203); // a wider access writes the register's byte
    assertThat(uart.read(LCR, 1)).isEqualTo(0x03);
    uart.write(0x40, 1, 0xff);
    assertThat(uart.read(0x40, 1)).isEqualTo(0);
    assertThat(uart.read(Uart16550.MSR, 1)).isEqualTo(0xb0);
  }

  @Test
  void restoreBringsBackRegistersUnreadInputAndTheLine() {
    uartinit();
    uart.read(ISR, 1);
    uart.receive(new byte[] {'q', 'r'});
    Uart16550.Snapshot s = uart.snapshot();
    assertThat(getc()).isEqualTo('q');
    uart.write(IER, 1, 0);
    assertThat(line).isFalse();
    uart.restore(s);
    assertThat(line).isTrue();
    assertThat(uart.read(IER, 1)).isEqualTo(0x03);
    assertThat(getc()).isEqualTo('q');
    assertThat(getc()).isEqualTo('r');
  }
}
