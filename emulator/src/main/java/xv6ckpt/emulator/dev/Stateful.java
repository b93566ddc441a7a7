package xv6ckpt.emulator.dev;

/**
 * A device whose state a machine snapshot must hold. {@link #saveState} returns an immutable value
 * (a record, say) that {@link #restoreState} takes back any number of times, on this device; the
 * machine never looks inside it.
 */
public interface Stateful {

  /** The device's whole state now, as an immutable value. */
  Object saveState();

  /** Puts the device back into {@code state}, a value {@link #saveState} returned. */
  void restoreState(Object state);
}
