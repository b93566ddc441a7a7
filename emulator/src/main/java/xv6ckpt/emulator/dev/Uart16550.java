package xv6ckpt.emulator.dev;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The console UART of the QEMU {@code virt} board: a 16550A, as xv6's uart.c drives it.
 *
 * <p>Window: {@link #VIRT_BASE} (0x1000_0000), {@link #SIZE} bytes, registers one byte apart (any
 * access width reads or writes the low byte of the register at its offset); interrupt source {@link
 * #VIRT_IRQ} (10) on the PLIC.
 *
 * <pre>
 *   off  read                         write
 *   0    RBR receive buffer           THR transmit holding     (DLL when LCR.DLAB)
 *   1    IER interrupt enable         IER                      (DLM when LCR.DLAB)
 *   2    IIR interrupt identification FCR FIFO control
 *   3    LCR line control             LCR
 *   4    MCR modem control            MCR
 *   5    LSR line status              -
 *   6    MSR modem status             -
 *   7    SCR scratch                  SCR
 * </pre>
 *
 * <p>Deterministic by construction, never wall time:
 *
 * <ul>
 *   <li>Transmission completes within the write of THR: the byte goes to the output sink at once,
 *       so LSR always shows THR empty and transmitter empty (THRE, TEMT), and a transmitter-empty
 *       event follows every THR write.
 *   <li>Input is what the machine hands to {@link #receive}, queued without bound (the receive FIFO
 *       never overruns, nothing typed is lost) and presented one byte at a time in RBR. A FIFO
 *       reset (FCR bit 1) drops nothing: input fed before the kernel's uartinit, which resets the
 *       FIFOs, would otherwise vanish.
 * </ul>
 *
 * <p>Interrupts (IER bit 0 received data, bit 1 transmitter empty; line status and modem status
 * interrupts do not occur here). The line to the PLIC is high while either is pending:
 *
 * <ul>
 *   <li>Received data available: a condition, pending while input is waiting (trigger level 1, so
 *       no character-timeout interrupt is needed); reading the last byte ends it.
 *   <li>Transmitter empty: an event, raised when THR empties (after each THR write here) and when
 *       the guest enables it while THR is empty; ended, as the 16550 datasheet says, by reading IIR
 *       while it is the reported source or by writing THR, and in addition by the PLIC's claim of
 *       the UART's interrupt ({@link #interruptClaimed}). The addition is QEMU's observable
 *       behaviour: its PLIC takes one request per raise of the line, so a kernel that never reads
 *       IIR (xv6-riscv before 2023) sees one interrupt per transmitter-empty event there. Held as a
 *       plain level, that event would interrupt such a kernel again at every completion: an
 *       interrupt storm in which it never runs another instruction.
 * </ul>
 *
 * <p>Loopback (MCR bit 4) is not modelled: MCR is stored and read back, and output still goes to
 * the sink. MSR reads as carrier, data set ready and clear to send (0xb0), as QEMU's does.
 */
public final class Uart16550 implements Mmio {

  /** Physical base address on the QEMU {@code virt} board (xv6's UART0). */
  public static final long VIRT_BASE = 0x1000_0000L;

  /** Bytes of address space, as QEMU maps the virt board's UART. */
  public static final long SIZE = 0x100;

  /** PLIC source of the UART on the virt board (xv6's UART0_IRQ). */
  public static final int VIRT_IRQ = 10;

  // Register offsets (xv6's names where it has them).
  public static final int RHR = 0;
  public static final int THR = 0;
  public static final int IER = 1;
  public static final int ISR = 2;
  public static final int FCR = 2;
  public static final int LCR = 3;
  public static final int MCR = 4;
  public static final int LSR = 5;
  public static final int MSR = 6;
  public static final int SCR = 7;

  public static final int IER_RX_ENABLE = 1 << 0;
  public static final int IER_TX_ENABLE = 1 << 1;
  public static final int FCR_FIFO_ENABLE = 1 << 0;
  public static final int LCR_BAUD_LATCH = 1 << 7;
  public static final int LSR_RX_READY = 1 << 0;
  public static final int LSR_TX_IDLE = 1 << 5; // THRE
  public static final int LSR_TX_EMPTY = 1 << 6; // TEMT

  /** IIR values: nothing pending, transmitter empty, received data available. */
  public static final int IIR_NONE = 0x01;

  public static final int IIR_THR_EMPTY = 0x02;
  public static final int IIR_RX_DATA = 0x04;

  /** IIR bits 7:6 read as ones while the FIFOs are enabled. */
  public static final int IIR_FIFOS_ENABLED = 0xc0;

  private static final int MSR_IDLE_LINES = 0xb0;

  private final IrqLine irq;
  private final IntConsumer out;

  private int ier;
  private int lcr;
  private int mcr;
  private int scr;
  private int dll;
  private int dlm;
  private boolean fifos;
  private boolean thrEmptyEvent;

  // Received bytes not yet read: rx[rxHead .. rxTail).
  private byte[] rx = new byte[64];
  private int rxHead;
  private int rxTail;

  /**
   * @param irq the UART's line to the PLIC (source {@link #VIRT_IRQ} on the virt board)
   * @param out receives each transmitted byte (0..255), in order
   */
  public Uart16550(IrqLine irq, IntConsumer out) {
    this.irq = irq;
    this.out = out;
  }

  // ---------------------------------------------------------------- the machine's side

  /** Queues bytes arriving on the serial line (console input), after any still unread. */
  public void receive(byte[] bytes) {
    if (rxTail + bytes.length > rx.length) {
      compactOrGrow(bytes.length);
    }
    System.arraycopy(bytes, 0, rx, rxTail, bytes.length);
    rxTail += bytes.length;
    update();
  }

  /** Received bytes the guest has not read yet. */
  public int unreadInput() {
    return rxTail - rxHead;
  }

  /**
   * The PLIC claimed the UART's interrupt: the transmitter-empty event is delivered (see the class
   * comment). Wire with {@code plic.onClaim(Uart16550.VIRT_IRQ, uart::interruptClaimed)}.
   */
  public void interruptClaimed() {
    thrEmptyEvent = false;
    update();
  }

  /** The level of the interrupt line: true while an enabled interrupt is pending. */
  public boolean interruptPending() {
    return identify() != IIR_NONE;
  }

  private void compactOrGrow(int more) {
    int unread = rxTail - rxHead;
    byte[] to = unread + more > rx.length ? new byte[Math.max(2 * rx.length, unread + more)] : rx;
    System.arraycopy(rx, rxHead, to, 0, unread);
    rx = to;
    rxHead = 0;
    rxTail = unread;
  }

  // ---------------------------------------------------------------- the bus's side

  @Override
  public long size() {
    return SIZE;
  }

  @Override
  public long read(long offset, int width) {
    switch ((int) offset) {
      case RHR:
        return dlab() ? dll : readRbr();
      case IER:
        return dlab() ? dlm : ier;
      case ISR:
        return readIir();
      case LCR:
        return lcr;
      case MCR:
        return mcr;
      case LSR:
        return (unreadInput() > 0 ? LSR_RX_READY : 0) | LSR_TX_IDLE | LSR_TX_EMPTY;
      case MSR:
        return MSR_IDLE_LINES;
      case SCR:
        return scr;
      default:
        return 0;
    }
  }

  @Override
  public void write(long offset, int width, long value) {
    int v = (int) value & 0xff;
    switch ((int) offset) {
      case THR:
        if (dlab()) {
          dll = v;
        } else {
          transmit(v);
        }
        break;
      case IER:
        if (dlab()) {
          dlm = v;
        } else {
          writeIer(v);
        }
        break;
      case FCR:
        fifos = (v & FCR_FIFO_ENABLE) != 0; // the clear bits drop nothing (class comment)
        break;
      case LCR:
        lcr = v;
        break;
      case MCR:
        mcr = v & 0x1f;
        break;
      case SCR:
        scr = v;
        break;
      default:
        break; // LSR, MSR and the rest of the window are read-only or empty
    }
  }

  private boolean dlab() {
    return (lcr & LCR_BAUD_LATCH) != 0;
  }

  /** The byte goes out at once; THR is empty again, which is the transmitter-empty event. */
  private void transmit(int b) {
    out.accept(b);
    thrEmptyEvent = true;
    update();
  }

  private void writeIer(int v) {
    boolean txWasEnabled = (ier & IER_TX_ENABLE) != 0;
    ier = v & 0x0f;
    if (!txWasEnabled && (ier & IER_TX_ENABLE) != 0) {
      thrEmptyEvent = true; // enabling it while THR is empty raises it, as on the 16550
    }
    update();
  }

  private int readRbr() {
    if (rxHead == rxTail) {
      return 0;
    }
    int b = rx[rxHead++] & 0xff;
    update();
    return b;
  }

  private int readIir() {
    int id = identify();
    if (id == IIR_THR_EMPTY) {
      thrEmptyEvent = false; // reading IIR acknowledges the transmitter-empty interrupt
      update();
    }
    return id | (fifos ? IIR_FIFOS_ENABLED : 0);
  }

  /** The highest-priority pending enabled interrupt: received data before transmitter empty. */
  private int identify() {
    if ((ier & IER_RX_ENABLE) != 0 && rxHead != rxTail) {
      return IIR_RX_DATA;
    }
    if ((ier & IER_TX_ENABLE) != 0 && thrEmptyEvent) {
      return IIR_THR_EMPTY;
    }
    return IIR_NONE;
  }

  private void update() {
    irq.set(interruptPending());
  }

  // ---------------------------------------------------------------- snapshots

  /** The UART's whole state, unread input included; immutable. The sink is not state. */
  public record Snapshot(
      int ier,
      int lcr,
      int mcr,
      int scr,
      int dll,
      int dlm,
      boolean fifos,
      boolean thrEmptyEvent,
      byte[] unread) {
    public Snapshot {
      unread = unread.clone();
    }

    @Override
    public byte[] unread() {
      return unread.clone();
    }
  }

  public Snapshot snapshot() {
    return new Snapshot(
        ier, lcr, mcr, scr, dll, dlm, fifos, thrEmptyEvent, Arrays.copyOfRange(rx, rxHead, rxTail));
  }

  /** Returns to {@code s} and drives the interrupt line to the level it had. */
  public void restore(Snapshot s) {
    ier = s.ier;
    lcr = s.lcr;
    mcr = s.mcr;
    scr = s.scr;
    dll = s.dll;
    dlm = s.dlm;
    fifos = s.fifos;
    thrEmptyEvent = s.thrEmptyEvent;
    rx = s.unread.length > 64 ? s.unread.clone() : Arrays.copyOf(s.unread, 64);
    rxHead = 0;
    rxTail = s.unread.length;
    update();
  }
}
