/**
 * xv6's process half in Java, one class per xv6 file, on the emulator's hart.
 *
 * <pre>
 *   Machine      the machine as a value: RAM, hart, disk, the rooms below; run, snapshot, reset
 *   Proc         proc.c: process table, fork/exit/wait/kill, sleep/wakeup, scheduler, context
 *                switch (its state: SchedState, copied whole by a snapshot); Process: struct proc
 *   Trap         trap.c (user half): what a trap handed back by the hart means
 *   Syscall      syscall.c: the dispatch table indexed by SYS_*, argument fetching
 *   SysProc      sysproc.c;  SysFile: sysfile.c (create/link/unlink bodies: fs.FileSystem)
 *   Exec         exec.c: ELF loading, the user stack
 *   File         file.c (+ OpenFile, struct file);  Pipe: pipe.c;  Console: console.c
 *   Kalloc, Vm   kalloc.c, vm.c: pages of emulated RAM, Sv39 page tables, copyin/copyout
 *   Checkpoint   not in xv6: system call 22, capture + write (ImageSource streams the image,
 *                fs.ImageFile replaces the file crash-safely); CheckpointImage: the format
 *   Restore      not in xv6: system call 23, validate + rebuild, all or nothing like exec
 *   KernelState  a snapshot's deep copy of the tables (and of SchedState, Console.Input)
 * </pre>
 *
 * <p>Calls go downward only, and checkably so ({@code KernelArchitectureTest}): the process layer
 * reaches the disk through {@link xv6ckpt.kernel.fs} and never touches its buffers; transactions
 * begin only where xv6 begins them (the system calls, {@link xv6ckpt.kernel.Exec}, {@link
 * xv6ckpt.kernel.File}, {@link xv6ckpt.kernel.Proc}, and {@link xv6ckpt.kernel.Checkpoint} and
 * {@link xv6ckpt.kernel.Restore}; {@link xv6ckpt.kernel.Machine} for init's console); no field is
 * static and mutable, so many machines live in one JVM.
 *
 * <p>"None" in this layer is xv6's: an absent object is {@code null} (allocproc, filealloc, argfd,
 * argstr; the method's header says "or null"), an absent page or physical address is 0, a failed
 * count or descriptor is -1. {@code Optional} appears only where the kernel answers a caller
 * outside it (public inspection methods such as {@code Proc.byPid}). Values read from the file
 * system layer arrive as its {@code Optional}s and are unwrapped at once. Expected failures of a
 * system call are -1 or a {@code CKPT_}/{@code RESTORE_} code, never an exception; a broken
 * invariant is {@link xv6ckpt.kernel.KernelPanic} naming the rule.
 *
 * <p>Working here: a new system call is a {@code SYS_} constant and one row in {@link
 * xv6ckpt.kernel.Syscall}'s table (the table sizes itself); scheduler state goes into {@link
 * xv6ckpt.kernel.SchedState} (never a field of Machine or Proc: {@code SnapshotTest} pins them), so
 * a reset restores it without further code.
 */
package xv6ckpt.kernel;
