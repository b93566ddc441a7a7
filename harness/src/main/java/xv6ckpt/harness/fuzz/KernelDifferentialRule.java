package xv6ckpt.harness.fuzz;

/**
 * The differences between two kernels that xv6 allows, in one list (harness README,
 * "kernel-differential"): each names where stock xv6 decides the behaviour and why another kernel
 * may do otherwise. A difference no rule allows is a finding. Each rule is derived from what
 * xv6-riscv's C code and our Java kernel do, not from what the fuzzer happened to meet.
 */
enum KernelDifferentialRule {
  /**
   * Pid values: compared by the process they name. xv6 numbers processes from a counter that every
   * allocproc takes from (proc.c allocpid), so a kernel started another way (a shell, a reaper)
   * gives the same processes other numbers, and the family's forks take numbers in the order they
   * run; fork's, getpid's and wait's results are compared as the names of {@link
   * KernelDifferentialTrace} (the fork that made the process), kill's argument is mapped by order
   * of creation ({@link KernelDifferentialStage.Pids}), and a pid printed in a console message is
   * masked.
   */
  PID("proc.c allocpid, fork, wait; syscall.c syscall's unknown-call message"),

  /**
   * uptime counts timer ticks (trap.c clockintr increments ticks every timer interrupt, whose
   * interval start.c timerinit sets); the Java kernel counts quanta. Any two non-negative values.
   */
  TIMING("trap.c clockintr; sysproc.c sys_uptime"),

  /**
   * Calls numbered outside stock xv6's table: the project's checkpoint (22) and restore (23) exist
   * only in a kernel that has them; stock xv6's syscall() prints "unknown sys call" and returns -1.
   * The call's result, its writes, and the console line it prints may differ; what it does to the
   * process afterwards (a restore that replaced it) ends the comparison of that process's calls.
   */
  PROJECT_CALLS("syscall.c syscall (num out of the table: printf, a0 = -1)"),

  /**
   * Memory and fixed tables: the kernels have different amounts of RAM and of kernel memory, and
   * the C side's shell and reaper hold processes and files the Java side has not, so a call that
   * needs pages or a table slot (fork, sbrk, exec, pipe) may fail with -1 on one side only
   * (kalloc.c kalloc returns 0 when the free list is empty; vm.c uvmalloc, proc.c fork, exec.c exec
   * give -1; proc.c allocproc finds no UNUSED slot of NPROC; file.c filealloc none of NFILE). Only
   * where the failing side shows it was short at that return: a fork with no free process slot, a
   * pipe with fewer than two free open-file entries, or fewer free pages than the call can need
   * ({@link KernelDifferentialTrace#need}); a -1 with all of those to spare is a finding. Where the
   * side does not show a figure (a C kernel without xv6's kmem, proc or ftable symbols), or other
   * processes ran between the call and its return, it is allowed unverified. It ends the comparison
   * of that process: the two differ in size or children from there on.
   */
  OUT_OF_MEMORY(
      "kalloc.c kalloc; vm.c uvmalloc; proc.c fork, allocproc (NPROC), growproc; exec.c exec;"
          + " file.c filealloc (NFILE)"),

  /**
   * sbrk's second argument: current xv6-riscv's sys_sbrk takes sbrk(n, SBRK_LAZY) to grow the size
   * only and map each page at its first touch (vm.c vmfault), which our kernel follows; xv6-riscv
   * f5b93ef's sys_sbrk reads only n and maps at once (proc.c growproc). The result (the old size)
   * must agree; the pages mapped differ, so the comparison of that process ends there.
   */
  LAZY_SBRK("sysproc.c sys_sbrk (SBRK_LAZY in later xv6-riscv); proc.c growproc; vm.c vmfault"),

  /**
   * A read or write on a pipe end while another process of the family runs: piperead copies what
   * the pipe holds once it is not empty (at least one byte, at most n), so a sibling's read or
   * write between decides how many and which bytes; pipewrite returns what it wrote before the last
   * reader closed. Result (between -1 and n) and the bytes read may differ. A read that differs
   * ends the comparison of that process (its memory differs); a write's result does not.
   */
  PIPE("pipe.c piperead, pipewrite"),

  /**
   * A read, write or fstat of an inode (file, directory, console) while another process of the
   * family runs, where another process can have moved or changed what it reads: the open file's
   * offset is shared by the processes fork gave it to (proc.c fork calls filedup, file.c
   * fileread/filewrite advance f->off), and the inode's bytes and size are what the family wrote so
   * far (fs.c readi, writei, stati). So only a descriptor that was open at a fork (in the process
   * or an ancestor: shared with a relative), or the console, or any inode once another process of
   * the family has changed a file or directory on either side (a write to an inode, an open that
   * creates or truncates, mkdir, mknod, link, unlink, checkpoint). Result and bytes may differ; a
   * read or fstat that differs ends the comparison of that process.
   */
  SHARED_FILE("file.c fileread, filewrite, filestat (f->off shared through proc.c fork's filedup)"),

  /**
   * A path call that succeeds on one side and fails on the other while another process of the
   * family runs and one of them changed a name or a file on either side (SHARED_FILE's list; writes
   * count, as they use up the disk): whether the name exists (or its directory is empty, or the
   * disk has an inode left) is decided by the family's calls, in the order they ran (sysfile.c
   * sys_open/create, sys_mkdir, sys_mknod, sys_unlink and isdirempty, sys_link, sys_chdir; exec.c
   * exec's namei). Two successes must agree (open's fd is the caller's lowest free one). open,
   * chdir and exec end the comparison of that process.
   */
  NAMESPACE(
      "sysfile.c sys_open/create, sys_mkdir, sys_mknod, sys_unlink, sys_link, sys_chdir; exec.c"),

  /**
   * wait returning another of the caller's children: proc.c wait scans the process table for a
   * zombie child and reaps the first it finds, so which child is reaped depends on which exited
   * first. Both results must be children of the caller; the exit status it writes may differ with
   * the child (it then ends the comparison of that process).
   */
  WAIT_ORDER("proc.c wait"),

  /**
   * kill while the family runs: the pid names the family's k-th created process, and which process
   * that is, and whether it exists yet or still, depends on the order the family forked and exited
   * (proc.c kill scans proc[] for the pid at that instant). kill's result may differ; a process a
   * kill found on a side may stop there at any call (proc.c kill sets p->killed; trap.c usertrap
   * exits it at its next trap, before its call returns), and a child it reaped shows exit status
   * -1.
   */
  KILL("proc.c kill, wait; trap.c usertrap (killed: exit(-1))"),

  /**
   * kill(0) on stock xv6: kill scans proc[] for p->pid == 0, which every UNUSED slot has (freeproc
   * zeroes it), so it returns 0 and sets killed in the first free slot; allocproc does not clear
   * killed (only freeproc does), so the next process made in that slot is born killed and exits at
   * its first call. Our kernel finds no process 0 and returns -1. kill(0)'s result may differ, and
   * on a side where kill(0) returned 0 a process may end before its calls (an xv6 bug, kept visible
   * by this rule's count rather than reported on every input that meets it).
   */
  KILL_PID_ZERO("proc.c kill (p->pid == pid over UNUSED slots), allocproc, freeproc"),

  /**
   * fstat's four bytes between nlink and size (struct stat's padding, at 12..15): xv6's filestat
   * copies out a struct stat from the kernel stack that stati filled field by field, so the padding
   * is whatever the stack held (4 bytes of kernel memory leak to the process); ours writes zeros.
   * The result and every field must agree; the comparison goes on.
   */
  STAT_PADDING("file.c filestat (struct stat st on the stack), fs.c stati; stat.h"),

  /**
   * The family's console and file tree after its processes ran side by side: each process's calls
   * agree, but the order in which their writes reached the console (console.c consolewrite, which
   * can sleep in uart.c uartputc mid-write) or a shared file (file.c filewrite, fs.c writei) is the
   * schedule's (proc.c scheduler, yield; trap.c usertrap/kerneltrap yield on a timer interrupt).
   * When every process was compared to its end, the console must still hold the same bytes in some
   * order.
   */
  SCHEDULE("proc.c scheduler, yield; trap.c yield; console.c consolewrite; file.c filewrite");

  final String xv6;

  KernelDifferentialRule(String xv6) {
    this.xv6 = xv6;
  }

  /** The rule's name as reports spell it ("pid", "out-of-memory"). */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
