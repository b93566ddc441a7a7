package xv6ckpt.emulator.dev;

/**
 * One level-triggered interrupt wire from a device to the interrupt controller (the PLIC).
 *
 * <p>A device raises its line while it wants service and lowers it when the guest has serviced it
 * (read the UART's data, acknowledged a virtio interrupt). Setting a line to the level it already
 * has is allowed and changes nothing.
 */
@FunctionalInterface
public interface IrqLine {

  /** Sets the wire's level: true while the device wants service. */
  void set(boolean level);
}
