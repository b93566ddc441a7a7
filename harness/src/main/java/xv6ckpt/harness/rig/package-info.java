/**
 * The rig: how the harness's laws, fuzz targets and tools set up and watch a machine, written once.
 *
 * <pre>
 *   Disks       in-memory disks made by the kernel's mkfs; reading a file back from a machine
 *   Machines    configurations, booting a runner, spawning, running to the end or to an exit call
 *   UserPages   the harness's own Sv39 walk of a process's page table in emulated RAM
 *   UserState   a process's registers, size and pages, as a checkpoint can see them
 * </pre>
 *
 * <p>The walk is the harness's, not the kernel's {@code Vm}: the rig is used to judge the kernel,
 * so what it reports about a process's memory must not come from the code it judges. Everything
 * else calls the kernel's public API (mkfs, {@code FileSystem.readFile}, {@code
 * Machine.runUntilStopped}) rather than copying it. Setup failures (a disk that does not fit, a
 * machine that does not boot) are {@link IllegalStateException}s: they are the rig's bugs, not
 * findings about the kernel. What the rig finds wrong with the kernel while watching it (no such
 * process, a process that is not at its exit call, a page table not of xv6's shape) is an {@link
 * AssertionError}, as in the laws that call it.
 */
package xv6ckpt.harness.rig;
