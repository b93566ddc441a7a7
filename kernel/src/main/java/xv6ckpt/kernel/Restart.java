package xv6ckpt.kernel;

/**
 * "Syscall restart state": the progress of a system call that blocked part-way. This kernel has no
 * kernel threads, so a blocking call does not sleep inside the kernel: the process sleeps with pc
 * still at its {@code ecall}, and re-executes the call when woken. Whatever the call had already
 * done that must be neither redone nor lost is kept here, in the process, and the re-issued call
 * continues from it. A plain value, so a checkpoint can capture it.
 */
public sealed interface Restart {

  /**
   * A transfer of {@code done} bytes already moved (a pipe write that moved 300 of 1000 bytes, a
   * console read that copied part of a full buffer, a file write whose first transactions are
   * committed).
   */
  record Transfer(long done) implements Restart {}

  /** sleep(n): the tick at which the sleep ends. */
  record Sleep(long until) implements Restart {}
}
