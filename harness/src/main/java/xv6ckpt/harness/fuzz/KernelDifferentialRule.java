package xv6ckpt.harness.fuzz;

/**
 * The differences between two kernels that xv6 allows, in one list (harness README,
 * "kernel-differential"): each names where stock xv6 decides the behaviour and why another kernel
 * may do otherwise. A difference no rule allows is a finding. Each rule is derived from what
 * xv6-riscv's C code and our Java kernel do, not from what the fuzzer happened to meet.
 */
enum KernelDifferentialRule {
  /**
   * Pid values: compared by order of creation. xv6 numbers processes from a counter that every
   * allocproc takes from (proc.c allocpid), so a kernel started another way (a shell, a reaper)
   * gives the same processes other numbers; fork's, getpid's and wait's results and kill's argument
   * are mapped to canonical pids ({@link KernelDifferentialStage.Pids}), and a pid printed in a
   * console message is masked.
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
   * process afterwards (a restore that replaced the server) ends the comparison of calls.
   */
  PROJECT_CALLS("syscall.c syscall (num out of the table: printf, a0 = -1)"),

  /**
   * After the server's first successful fork its later calls run beside its children, and each
   * kernel interleaves them by its own timer (xv6: a tick every 1,000,000 steps, proc.c scheduler
   * and trap.c yield; ours: a quantum of instructions): which child wait reaps, whether kill finds
   * a pid, what a shared file or pipe holds, which process meets a full table first. Differences
   * from there on (calls, console, file tree) are counted under this rule, not reported.
   */
  SCHEDULE("proc.c scheduler, yield; trap.c usertrap/kerneltrap yield on a timer interrupt"),

  /**
   * Memory: the kernels have different amounts of RAM and of kernel memory, so a call that needs
   * pages (fork, sbrk, exec, pipe) may fail with -1 on one and succeed on the other (kalloc.c
   * kalloc returns 0 when the free list is empty; vm.c uvmalloc, proc.c fork, exec.c exec give -1).
   * From that call on the comparison of calls ends: the two processes differ in size.
   */
  OUT_OF_MEMORY("kalloc.c kalloc; vm.c uvmalloc; proc.c fork, growproc; exec.c exec"),

  /**
   * sbrk's second argument: current xv6-riscv's sys_sbrk takes sbrk(n, SBRK_LAZY) to grow the size
   * only and map each page at its first touch (vm.c vmfault), which our kernel follows; xv6-riscv
   * f5b93ef's sys_sbrk reads only n and maps at once (proc.c growproc). The result (the old size)
   * must agree; the pages mapped differ, so the comparison of calls ends there.
   */
  LAZY_SBRK("sysproc.c sys_sbrk (SBRK_LAZY in later xv6-riscv); proc.c growproc; vm.c vmfault");

  final String xv6;

  KernelDifferentialRule(String xv6) {
    this.xv6 = xv6;
  }

  /** The rule's name as reports spell it ("pid", "out-of-memory"). */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
