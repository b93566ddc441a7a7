package xv6ckpt.emulator.system;

import java.util.Arrays;
import xv6ckpt.emulator.dev.Clocked;
import xv6ckpt.emulator.dev.IrqLine;
import xv6ckpt.emulator.dev.Mmio;
import xv6ckpt.emulator.dev.Stateful;

/**
 * A stand-in CLINT for these tests only (the real one is the devices branch's): msip at 4 h,
 * mtimecmp at 0x4000 + 8 h, mtime at 0xBFF8, as on QEMU virt; MTIP = mtime &ge; mtimecmp.
 */
final class FakeClint implements Mmio, Clocked, Stateful {
  private final SystemMachine m;
  private final long[] mtimecmp;
  private final int[] msip;
  private final IrqLine[] mtip, sip;

  FakeClint(SystemMachine m) {
    this.m = m;
    int n = m.hartCount();
    mtimecmp = new long[n];
    Arrays.fill(mtimecmp, -1L);
    msip = new int[n];
    mtip = new IrqLine[n];
    sip = new IrqLine[n];
    for (int h = 0; h < n; h++) {
      mtip[h] = m.wire(h, SystemMachine.HartWire.MTIP);
      sip[h] = m.wire(h, SystemMachine.HartWire.MSIP);
    }
    m.map(SystemMachine.CLINT, this);
  }

  @Override
  public long size() {
    return 0x10000;
  }

  @Override
  public long read(long off, int width) {
    if (off == 0xBFF8) return m.time();
    if (off >= 0x4000 && off < 0x4000 + 8L * mtimecmp.length)
      return mtimecmp[(int) (off - 0x4000) / 8];
    if (off < 4L * msip.length) return msip[(int) off / 4];
    return 0;
  }

  @Override
  public void write(long off, int width, long v) {
    if (off >= 0x4000 && off < 0x4000 + 8L * mtimecmp.length && width == 8) {
      int h = (int) (off - 0x4000) / 8;
      mtimecmp[h] = v;
      mtip[h].set(Long.compareUnsigned(m.time(), v) >= 0);
    } else if (off < 4L * msip.length) {
      int h = (int) off / 4;
      msip[h] = (int) v & 1;
      sip[h].set(msip[h] != 0);
    }
  }

  @Override
  public long nextEvent(long now) {
    long e = Long.MAX_VALUE;
    for (long c : mtimecmp) {
      if (c > now) e = Math.min(e, c); // c < 0 is beyond any time this clock reaches
    }
    return e;
  }

  @Override
  public void advance(long now) {
    for (int h = 0; h < mtimecmp.length; h++) {
      mtip[h].set(Long.compareUnsigned(now, mtimecmp[h]) >= 0);
    }
  }

  private record State(long[] mtimecmp, int[] msip) {}

  @Override
  public Object saveState() {
    return new State(mtimecmp.clone(), msip.clone());
  }

  @Override
  public void restoreState(Object s) {
    State st = (State) s;
    System.arraycopy(st.mtimecmp(), 0, mtimecmp, 0, mtimecmp.length);
    System.arraycopy(st.msip(), 0, msip, 0, msip.length);
  }
}
