package xv6ckpt.emulator.dev;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The physical address space outside RAM: device windows, each a {@link Mmio} at a base address. A
 * hart in system mode sends here every load and store whose physical address is not in RAM; an
 * access that no window takes whole, or that is not 1, 2, 4 or 8 bytes naturally aligned, is an
 * access fault (the bus answers {@link #accepts} false and the hart traps).
 *
 * <p>Windows are fixed when the machine is built and may not overlap. A handful of windows, so a
 * linear search over them sorted by base is all the lookup needs.
 */
public final class Bus {

  /** One device and where it sits. */
  public record Window(long base, Mmio device) {
    long end() {
      return base + device.size();
    }
  }

  private final List<Window> windows = new ArrayList<>();

  /** Maps {@code device} at {@code base}; throws if it overlaps a window already mapped. */
  public Bus map(long base, Mmio device) {
    Window w = new Window(base, device);
    if (device.size() <= 0 || w.end() < base) {
      throw new IllegalArgumentException(
          String.format("device at 0x%x has an empty or wrapping window", base));
    }
    for (Window o : windows) {
      if (base < o.end() && o.base() < w.end()) {
        throw new IllegalArgumentException(
            String.format(
                "device window [0x%x, 0x%x) overlaps [0x%x, 0x%x)",
                base, w.end(), o.base(), o.end()));
      }
    }
    windows.add(w);
    windows.sort(Comparator.comparingLong(Window::base));
    return this;
  }

  /** The mapped windows, by base address. */
  public List<Window> windows() {
    return List.copyOf(windows);
  }

  /** Whether a {@code width}-byte access at {@code pa} reaches a device (else: access fault). */
  public boolean accepts(long pa, int width) {
    if (width != 1 && width != 2 && width != 4 && width != 8) return false;
    if ((pa & (width - 1)) != 0) return false;
    return find(pa, width) != null;
  }

  /** Reads; only for an access {@link #accepts} allows. */
  public long read(long pa, int width) {
    Window w = require(pa, width);
    return w.device().read(pa - w.base(), width);
  }

  /** Writes; only for an access {@link #accepts} allows. */
  public void write(long pa, int width, long value) {
    Window w = require(pa, width);
    w.device().write(pa - w.base(), width, value);
  }

  private Window require(long pa, int width) {
    if (!accepts(pa, width)) {
      throw new IllegalArgumentException(
          String.format("no device takes a %d-byte access at 0x%x", width, pa));
    }
    return find(pa, width);
  }

  private Window find(long pa, int width) {
    for (Window w : windows) {
      if (pa >= w.base() && pa - w.base() <= w.device().size() - width) {
        return w;
      }
    }
    return null;
  }
}
