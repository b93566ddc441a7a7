package xv6ckpt.emulator.system;

import xv6ckpt.emulator.dev.IrqLine;
import xv6ckpt.emulator.dev.Mmio;
import xv6ckpt.emulator.dev.Stateful;

/**
 * A stand-in device for these tests only: 8 registers of 8 bytes that keep what is written, and at
 * offset 0x40 a register whose bits drive the harts' interrupt wires (write 1 bits to raise, at
 * 0x48 to lower): bit 3 MSIP, 7 MTIP, 9 SEIP, 11 MEIP of hart 0.
 */
final class FakeDevice implements Mmio, Stateful {
  static final long BASE = 0x1000_0000L;
  final long[] regs = new long[8];
  private final IrqLine[] lines = new IrqLine[12];
  long raised;
  int accesses;

  FakeDevice(SystemMachine m) {
    for (SystemMachine.HartWire w : SystemMachine.HartWire.values()) {
      lines[Long.numberOfTrailingZeros(w.bit)] = m.wire(0, w);
    }
    m.map(BASE, this);
  }

  @Override
  public long size() {
    return 0x100;
  }

  @Override
  public long read(long off, int width) {
    accesses++;
    if (off < 0x40) {
      long v = regs[(int) off / 8] >>> (8 * (off % 8));
      return width == 8 ? v : v & ((1L << (8 * width)) - 1);
    }
    return off == 0x40 ? raised : 0;
  }

  @Override
  public void write(long off, int width, long v) {
    accesses++;
    if (off < 0x40 && width == 8) {
      regs[(int) off / 8] = v;
    } else if (off == 0x40 || off == 0x48) {
      raised = off == 0x40 ? raised | v : raised & ~v;
      for (int b = 0; b < lines.length; b++) {
        if (lines[b] != null) lines[b].set((raised >>> b & 1) != 0);
      }
    }
  }

  private record State(long[] regs, long raised) {}

  @Override
  public Object saveState() {
    return new State(regs.clone(), raised);
  }

  @Override
  public void restoreState(Object s) {
    State st = (State) s;
    System.arraycopy(st.regs(), 0, regs, 0, regs.length);
    raised = st.raised();
  }
}
