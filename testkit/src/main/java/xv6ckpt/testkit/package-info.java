/**
 * The test kit: what kernel tests, harness properties and fuzz targets share to speak to an xv6
 * kernel from user space. {@link xv6ckpt.testkit.Xv6Abi} names the system calls and flags as xv6's
 * headers do; {@link xv6ckpt.testkit.UserProgram} builds the user programs, each with its layout
 * stated. It depends on the emulator only (for its assembler and ELF writer), never on the kernel
 * or the spec: a test's view of the ABI must not come from the code it judges.
 */
package xv6ckpt.testkit;
