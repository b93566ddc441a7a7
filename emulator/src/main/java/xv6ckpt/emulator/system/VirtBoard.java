package xv6ckpt.emulator.system;

import java.util.function.IntConsumer;
import xv6ckpt.emulator.dev.Clint;
import xv6ckpt.emulator.dev.Clocked;
import xv6ckpt.emulator.dev.Mmio;
import xv6ckpt.emulator.dev.Plic;
import xv6ckpt.emulator.dev.Stateful;
import xv6ckpt.emulator.dev.Uart16550;
import xv6ckpt.emulator.dev.VirtioBlock;
import xv6ckpt.emulator.disk.BlockDevice;

/**
 * The QEMU {@code virt} board's devices that xv6-riscv uses, mapped on a {@link SystemMachine} and
 * wired to its harts: CLINT, PLIC, UART0 (irq 10) and virtio0 (irq 1), over a {@link BlockDevice}.
 *
 * <p>The devices are asked, not pushed (see {@code dev/}): this class hands the CLINT the machine's
 * time before every access to it and whenever the machine moves time on, and copies the CLINT's
 * MTIP/MSIP and the PLIC's MEIP/SEIP into every hart's wires whenever the machine looks ({@link
 * #advance}: at every turn of its loop, which includes right after every device access, since a
 * hart stops after one). So an interrupt a device raises is taken before the next instruction.
 */
public final class VirtBoard implements Clocked, Stateful {

  private final SystemMachine machine;
  public final Clint clint;
  public final Plic plic;
  public final Uart16550 uart;
  public final VirtioBlock disk;

  /**
   * Builds the board on {@code machine}: console output goes to {@code console}; {@code disk} may
   * be null for a machine without one (nothing is mapped at virtio0 then).
   */
  public VirtBoard(SystemMachine machine, BlockDevice disk, IntConsumer console) {
    this.machine = machine;
    int harts = machine.hartCount();
    clint = new Clint(harts);
    plic = new Plic(harts, Plic.VIRT_SOURCES);
    uart = new Uart16550(plic.line(Uart16550.VIRT_IRQ), console);
    plic.onClaim(Uart16550.VIRT_IRQ, uart::interruptClaimed);
    this.disk =
        disk == null
            ? null
            : new VirtioBlock(machine.memory(), disk, plic.line(VirtioBlock.VIRT_IRQ));
    machine.map(SystemMachine.CLINT, new TimedClint());
    machine.map(SystemMachine.PLIC, plic);
    machine.map(SystemMachine.UART0, uart);
    if (this.disk != null) machine.map(SystemMachine.VIRTIO0, this.disk);
    machine.register(this);
  }

  /** The CLINT's window, with mtime brought up to the machine's time before each access. */
  private final class TimedClint implements Mmio {
    @Override
    public long size() {
      return clint.size();
    }

    @Override
    public long read(long offset, int width) {
      clint.setTime(machine.time());
      return clint.read(offset, width);
    }

    @Override
    public void write(long offset, int width, long value) {
      clint.setTime(machine.time());
      clint.write(offset, width, value);
    }
  }

  @Override
  public long nextEvent(long now) {
    clint.setTime(now);
    return clint.nextTimerEvent();
  }

  @Override
  public void advance(long now) {
    clint.setTime(now);
    for (int h = 0; h < machine.hartCount(); h++) {
      SystemHart hart = machine.hart(h);
      hart.setWire(Csrs.MTIP, clint.mtip(h));
      hart.setWire(Csrs.MSIP, clint.msip(h));
      hart.setWire(Csrs.MEIP, plic.meip(h));
      hart.setWire(Csrs.SEIP, plic.seip(h));
    }
  }

  /** The four devices' snapshots, taken together. */
  private record State(
      Clint.Snapshot clint,
      Plic.Snapshot plic,
      Uart16550.Snapshot uart,
      VirtioBlock.Snapshot disk) {}

  @Override
  public Object saveState() {
    return new State(
        clint.snapshot(), plic.snapshot(), uart.snapshot(), disk == null ? null : disk.snapshot());
  }

  @Override
  public void restoreState(Object state) {
    State s = (State) state;
    clint.restore(s.clint());
    plic.restore(s.plic());
    uart.restore(s.uart());
    if (disk != null) disk.restore(s.disk());
  }
}
