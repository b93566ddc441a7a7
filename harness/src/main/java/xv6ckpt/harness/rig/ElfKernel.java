package xv6ckpt.harness.rig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.system.SystemHart;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.emulator.system.VirtBoard;

/**
 * A kernel ELF on the full-system machine as a {@link KernelUnderTest}, observed only at the
 * architectural boundary: the machine stops at every ecall from U-mode (the call's number in a7 and
 * its address are noted per address space, the satp it was made under) and at every return to
 * U-mode; a return to the noted ecall's next instruction in the same address space is that call's
 * return, with its result in a0. Other returns (a process's first entry, exec's entry into a new
 * address space, a forked child's first return, returns from interrupts) report nothing.
 *
 * <p>A panic is a console line starting {@code panic: } (what xv6's panic prints). Free pages are
 * counted from the kernel's free list where its symbol table names {@code kmem}, laid out as
 * xv6-riscv's kalloc.c declares it ({@code struct { struct spinlock lock; struct run *freelist; }}:
 * 32 bytes, the list head last; each free page's first word links the next). A kmem of another size
 * or a list that leaves RAM, is not page-aligned or does not end makes the count unknown, with the
 * reason, never a guess. Free process slots and open-file entries are counted the same way from
 * {@code proc} and {@code ftable} ({@link KernelTables}).
 */
public final class ElfKernel implements KernelUnderTest<ElfKernel.Snapshot> {
  /** xv6-riscv's kmem: a 24-byte spinlock (locked, name, cpu) then the freelist pointer. */
  static final long KMEM_SIZE = 32, FREELIST_OFFSET = 24;

  private final KernelIdentity identity;
  private final SystemMachine machine;
  private final VirtBoard board;
  private final MemoryBlockDevice disk;
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();
  private final long kmem;
  private final String kmemUnknown;
  private final KernelTables tables;

  /**
   * Per address space, the ecall in flight: its address, its number and {@link #switches} when it
   * was made.
   */
  private Map<Long, long[]> pending = new HashMap<>();

  /**
   * Boundary stops so far whose address space differed from the previous stop's ({@link
   * #lastSpace}): a call whose return finds it unchanged ran with no other process crossing the
   * boundary meanwhile ({@link #ranAlone}).
   */
  private long switches;

  private long lastSpace = -1;

  /** Whether the call {@link #run} reported last ran alone. */
  private boolean lastAlone = true;

  /**
   * Per call number below {@link #COUNTED}: ecalls made minus returns seen. A call that never
   * returns (its process killed in it, or exec's) stays counted: it is what the boundary cannot see
   * the end of.
   */
  private long[] unreturned = new long[COUNTED];

  /** Call numbers {@link #unreturned} counts: xv6's are below 32. */
  static final int COUNTED = 64;

  /** The registers of the hart at the last reported return. */
  private long[] registers = new long[32];

  /** Where in the console the search for a panic line goes on. */
  private int panicScan;

  /**
   * Whether {@link #run} also reports returns to U-mode that are no call's ({@link
   * #reportEntries}).
   */
  private boolean reportEntries;

  /** Whether {@link #run} reports a forked child's first return ({@link #reportForkChildren}). */
  private boolean reportForkChildren;

  /**
   * Forks whose child has not been seen yet: the parent's address space, the fork's ecall address
   * and the registers at the ecall. Kept past the parent's return (xv6 returns to the parent first,
   * and it may fork again before the child runs), dropped when the fork fails or the child shows;
   * at most {@link #UNBORN_MAX}, the oldest dropped first.
   */
  private java.util.List<Unborn> unborn = new java.util.ArrayList<>();

  static final int UNBORN_MAX = 64;

  /** The parent's address space of the child {@link #run} reported last; -1 after a call's. */
  private long forkParent = -1;

  /**
   * A fork made in {@code parent} at {@code pc} whose child has not returned to U-mode yet; {@code
   * returned}: the parent's fork has returned a pid (the child surely exists).
   */
  record Unborn(long parent, long pc, long[] registers, boolean returned, long pid) {}

  /**
   * Loads {@code elf} on a machine of {@code config} with {@code disk} as its virtio disk; every
   * hart starts at the entry in M-mode.
   *
   * @throws Elf64.ElfException naming what is wrong with the ELF
   */
  public ElfKernel(
      KernelIdentity identity, byte[] elf, MemoryBlockDevice disk, SystemMachine.Config config)
      throws Elf64.ElfException {
    this.identity = identity;
    this.disk = disk;
    machine = new SystemMachine(config);
    board = new VirtBoard(machine, disk, console::write);
    machine.loadKernel(elf, 0);
    machine.watchUserBoundary(true);
    tables = KernelTables.of(elf);
    Optional<Elf64.Symbol> k;
    try {
      k = Elf64.symbols(elf).symbol("kmem");
    } catch (Elf64.ElfException e) {
      k = Optional.empty(); // a damaged table: free pages are unknown, the kernel still runs
    }
    if (k.isEmpty()) {
      kmem = -1;
      kmemUnknown = "the kernel's symbol table names no kmem (stripped or damaged)";
    } else if (k.get().size() != KMEM_SIZE) {
      kmem = -1;
      kmemUnknown =
          "kmem is "
              + k.get().size()
              + " bytes, not xv6-riscv's "
              + KMEM_SIZE
              + " (lock, freelist)";
    } else {
      kmem = k.get().value();
      kmemUnknown = null;
    }
  }

  /**
   * For setups: runs slices of {@code slice} steps, handing every reported return to {@code seen},
   * until {@code done}.
   *
   * @throws IllegalStateException naming {@code who} and {@code what} when {@code budget} steps
   *     pass (or the machine idles) first, with the console's end, or when the kernel panics: a
   *     setup failure, never a finding
   */
  public void runUntil(
      String who,
      String what,
      long budget,
      long slice,
      Consumer<Event.Returned> seen,
      BooleanSupplier done) {
    long spent = 0;
    while (!done.getAsBoolean()) {
      if (spent >= budget) {
        String c = console();
        throw new IllegalStateException(
            who
                + " on "
                + identity
                + ": "
                + what
                + " not done in "
                + budget
                + " steps; console ends: "
                + c.substring(Math.max(0, c.length() - 400)));
      }
      long t = machine.time();
      Event e = run(slice);
      spent += machine.time() - t;
      if (e instanceof Event.Panicked p) {
        throw new IllegalStateException(who + ": " + what + ": " + p.message());
      }
      if (e instanceof Event.Returned r) seen.accept(r);
      if (e instanceof Event.Idle) spent = budget; // nothing more will come
    }
  }

  @Override
  public KernelIdentity identity() {
    return identity;
  }

  public SystemMachine machine() {
    return machine;
  }

  @Override
  public Event run(long budget) {
    long end = machine.time() + budget;
    while (machine.time() < end) {
      SystemMachine.Stop stop = machine.run(end - machine.time());
      Optional<String> panic = panicLine();
      if (panic.isPresent()) return new Event.Panicked(panic.get());
      if (stop == SystemMachine.Stop.IDLE) return new Event.Idle();
      SystemHart h = machine.hart(machine.boundaryHart());
      Hart hart = h.hart();
      long space = (hart.satp() & ((1L << 44) - 1)) << 12;
      if (space != lastSpace) {
        switches++;
        lastSpace = space;
      }
      if (stop == SystemMachine.Stop.USER_ECALL) {
        // a call left in flight here by a process now dead (its page table reused) stays counted
        pending.put(space, new long[] {h.boundaryPc(), hart.x(17), switches});
        count(hart.x(17), 1);
        if (reportForkChildren && hart.x(17) == SYS_FORK) noteFork(space, h.boundaryPc(), hart);
      } else if (stop == SystemMachine.Stop.USER_RETURN) {
        if (reportForkChildren) {
          Optional<Event.Returned> child = forkChild(space, h.boundaryPc(), hart);
          if (child.isPresent()) return child.get();
        }
        long[] call = pending.get(space);
        if (call != null && h.boundaryPc() == call[0] + 4) {
          pending.remove(space);
          count(call[1], -1);
          lastAlone = call[2] == switches;
          if (reportForkChildren && call[1] == SYS_FORK) forkReturned(space, hart);
          forkParent = -1;
          hart.registers(registers);
          return new Event.Returned(space, call[1], hart.x(10), h.boundaryPc());
        }
        if (reportEntries) {
          hart.registers(registers);
          return new Event.Entered(space, h.boundaryPc());
        }
      }
    }
    return new Event.BudgetSpent();
  }

  /**
   * Whether no other address space crossed the user boundary between the ecall and the return of
   * the call {@link #run} reported last. If one did, another process ran meanwhile (xv6 yields on a
   * timer interrupt in the kernel too), and what the kernel holds now may not be what it held when
   * the call decided its result.
   */
  @Override
  public boolean ranAlone() {
    return lastAlone;
  }

  /**
   * Makes {@link #run} also stop at returns to U-mode that are no call's return ({@link
   * Event.Entered}: a first entry, exec's or restore's entry into a new address space, a return
   * from an interrupt), with {@link #userRegisters} as they resume. Off by default.
   */
  public void reportEntries(boolean on) {
    reportEntries = on;
  }

  /**
   * Makes {@link #run} also report a forked child's first return to U-mode, as a return of fork
   * with result 0 in the child's address space ({@link #forkParent} names the parent's). xv6's fork
   * gives the child a copy of the parent's trap frame with a0 = 0 and the pc past the ecall, so the
   * child is the first return, in another address space, at a fork's ecall + 4 with a0 = 0 and
   * every other register as the parent's were at the ecall. A call the address space's previous
   * owner left in flight (it died in exit; its page table was freed and reused) is dropped there.
   * Off by default.
   */
  public void reportForkChildren(boolean on) {
    reportForkChildren = on;
  }

  /**
   * The parent's address space of the forked child whose first return {@link #run} just reported;
   * -1 when the last return reported was a call's.
   */
  public long forkParent() {
    return forkParent;
  }

  static final long SYS_FORK = 1;

  private void noteFork(long space, long pc, Hart hart) {
    long[] regs = new long[32];
    hart.registers(regs);
    // an older fork of the same parent may still wait for its child: xv6 returns to the parent
    // first, which may fork again before the child ever runs
    if (unborn.size() >= UNBORN_MAX) unborn.remove(0);
    unborn.add(new Unborn(space, pc, regs, false, -1));
  }

  /**
   * The fork in flight in {@code parent} returned: its entry (if its child has not taken it) is
   * marked, or goes when it made no child.
   */
  private void forkReturned(long parent, Hart hart) {
    long[] regs = new long[32];
    hart.registers(regs);
    boolean child = regs[10] > 0;
    for (int i = unborn.size() - 1; i >= 0; i--) {
      Unborn u = unborn.get(i);
      if (u.parent() == parent && sameButA0(u.registers(), regs)) {
        if (child) unborn.set(i, new Unborn(u.parent(), u.pc(), u.registers(), true, regs[10]));
        else unborn.remove(i);
        return;
      }
    }
  }

  /** A child's first return (see {@link #reportForkChildren}), if this return is one. */
  private Optional<Event.Returned> forkChild(long space, long pc, Hart hart) {
    if (hart.x(10) != 0) return Optional.empty();
    long[] regs = new long[32];
    hart.registers(regs);
    // most returns with a0 = 0 are no child's: the process table is read only for a candidate
    if (unborn.stream().noneMatch(u -> candidate(u, space, pc, regs))) return Optional.empty();
    int match =
        choose(
            unborn,
            space,
            pc,
            regs,
            tables.pidOf(machine.memory(), space),
            tables.parentRootOf(machine.memory(), space));
    if (match >= 0) {
      Unborn u = unborn.remove(match);
      pending.remove(space); // the space's previous owner's last call: it never returns
      forkParent = u.parent();
      registers = regs;
      return Optional.of(new Event.Returned(space, SYS_FORK, 0, pc));
    }
    return Optional.empty();
  }

  /**
   * Which fork in flight or returned made the child now at its first return in {@code space} at
   * {@code pc} with {@code regs}; -1 if none. Processes that forked in the same state (a fork bomb)
   * leave several candidates. Where xv6's proc table is named, the child's own pid ({@code
   * childPid}) and its parent's page table ({@code parentRoot}) tell: the fork that returned that
   * pid, or the parent's fork still in flight; a fork that returned another pid made another child.
   * Else a fork that has returned a pid made its child for sure, one still in flight may yet fail
   * (NPROC), so the former first.
   */
  static int choose(
      java.util.List<Unborn> unborn,
      long space,
      long pc,
      long[] regs,
      OptionalInt childPid,
      OptionalLong parentRoot) {
    int match = -1;
    for (int i = 0; i < unborn.size(); i++) {
      Unborn u = unborn.get(i);
      if (!candidate(u, space, pc, regs)) continue;
      if (childPid.isPresent() && u.returned()) {
        if (u.pid() == childPid.getAsInt()) return i;
        continue; // it made another child
      }
      if (!u.returned() && parentRoot.isPresent() && u.parent() == parentRoot.getAsLong()) {
        return i;
      }
      if (match < 0 || (u.returned() && !unborn.get(match).returned())) match = i;
    }
    return match;
  }

  /** Whether {@code u}'s fork may have made a child now at its first return ({@link #choose}). */
  private static boolean candidate(Unborn u, long space, long pc, long[] regs) {
    return u.parent() != space && u.pc() + 4 == pc && sameButA0(u.registers(), regs);
  }

  private static boolean sameButA0(long[] a, long[] b) {
    for (int r = 1; r < 32; r++) {
      if (r != 10 && a[r] != b[r]) return false;
    }
    return true;
  }

  @Override
  public long[] userRegisters() {
    return registers.clone();
  }

  /**
   * The system calls in flight: per address space, the number of the call it is in (blocked, or not
   * yet returned). A process that sleeps in a call shows here and nowhere else.
   */
  public Map<Long, Long> callsInFlight() {
    Map<Long, Long> out = new HashMap<>();
    pending.forEach((space, call) -> out.put(space, call[1]));
    return out;
  }

  private void count(long number, int delta) {
    if (number >= 0 && number < COUNTED) unreturned[(int) number] += delta;
  }

  /**
   * How many calls of {@code number} were made whose return the boundary has not seen (since the
   * machine started; kept by snapshots): in flight, or never to return because their process died
   * in them. For fork, a bound on the children whose pid the harness has not seen.
   */
  public long unreturned(long number) {
    return number >= 0 && number < COUNTED ? unreturned[(int) number] : 0;
  }

  /** The first console line starting "panic: " not yet reported. */
  private Optional<String> panicLine() {
    if (console.size() <= panicScan) return Optional.empty();
    String c = console.toString(StandardCharsets.ISO_8859_1);
    int at = c.indexOf("panic: ", Math.max(0, panicScan - 7));
    while (at > 0 && c.charAt(at - 1) != '\n') at = c.indexOf("panic: ", at + 1);
    int nl = at < 0 ? -1 : c.indexOf('\n', at);
    if (at < 0 || nl < 0) { // none, or not ended yet: look again from here
      panicScan = at < 0 ? c.length() : at;
      return Optional.empty();
    }
    panicScan = nl + 1;
    return Optional.of(c.substring(at, nl).strip());
  }

  @Override
  public void type(byte[] bytes) {
    board.uart.receive(bytes);
  }

  @Override
  public String console() {
    return console.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public PhysicalMemory memory() {
    return machine.memory();
  }

  @Override
  public MemoryBlockDevice disk() {
    return disk;
  }

  @Override
  public OptionalInt freePages() {
    return kmem < 0 ? OptionalInt.empty() : walkFreeList();
  }

  @Override
  public Optional<String> freePagesUnknown() {
    if (kmem < 0) return Optional.of(kmemUnknown);
    return walkFreeList().isPresent()
        ? Optional.empty()
        : Optional.of("kmem.freelist is not a list of free pages in RAM");
  }

  /** From xv6's {@code proc} table, where the symbol table names it ({@link KernelTables}). */
  @Override
  public OptionalInt freeProcSlots() {
    return tables.freeProcs(machine.memory());
  }

  /**
   * Processes that have exited but not been waited for (ZOMBIE), from xv6's {@code proc} table
   * where the symbol table names it: a sign of progress while a killed process's call never returns
   * to U-mode.
   */
  public OptionalInt zombieProcs() {
    return tables.zombieProcs(machine.memory());
  }

  /** From xv6's {@code ftable}, where the symbol table names it ({@link KernelTables}). */
  @Override
  public OptionalInt freeFileSlots() {
    return tables.freeFiles(machine.memory());
  }

  /** Why {@link #freeProcSlots} is empty because of the symbol table, if it is. */
  public Optional<String> procSlotsUnknown() {
    return tables.procsUnknown();
  }

  /** Why {@link #freeFileSlots} is empty because of the symbol table, if it is. */
  public Optional<String> fileSlotsUnknown() {
    return tables.filesUnknown();
  }

  /**
   * The length of kmem.freelist, if every link is a page of RAM and the list ends. Where the list
   * of the memory's baseline is known ({@link FreeList}), the links are followed only through the
   * pages written since: from the first page not written on, the list is the baseline's, if no
   * written page stands later in it.
   */
  OptionalInt walkFreeList() {
    PhysicalMemory mem = machine.memory();
    if (!mem.contains(kmem, KMEM_SIZE)) return OptionalInt.empty();
    FreeList known =
        baselineList != null && baselineList.of() == mem.baseline() ? baselineList : null;
    long max = mem.size() / PhysicalMemory.PGSIZE;
    int n = 0;
    for (long r = mem.read64(kmem + FREELIST_OFFSET); r != 0; r = mem.read64(r)) {
      if ((r & (PhysicalMemory.PGSIZE - 1)) != 0 || !mem.contains(r, PhysicalMemory.PGSIZE)) {
        return OptionalInt.empty();
      }
      if (known != null && !mem.written(r)) {
        int rest = known.restFrom(r, mem);
        if (rest >= 0) return OptionalInt.of(n + rest);
        known = null; // a written page stands later in the baseline's list: follow every link
      }
      if (++n > max) return OptionalInt.empty(); // a cycle
    }
    return OptionalInt.of(n);
  }

  /** The whole walk, whatever is known of the baseline: what {@link #walkFreeList} must equal. */
  OptionalInt walkWholeFreeList() {
    FreeList kept = baselineList;
    baselineList = null;
    try {
      return walkFreeList();
    } finally {
      baselineList = kept;
    }
  }

  /**
   * kmem.freelist as it is in the memory's baseline {@code of}: each page's position in it (-1 for
   * none; the head is 0) and its length. A syscall-args run (xv6 f5b93ef, 128 MiB) writes a few
   * hundred pages, and the list is some 32 K pages long: its checks chased every link, 39% of a
   * replay's time (harness README).
   */
  private record FreeList(PhysicalMemory.Snapshot of, int[] position, int length) {
    /**
     * The length of the list from r on, r a page not written since the baseline; or -1 if r is not
     * in the baseline's list or a written page stands after it there. Otherwise the links from r on
     * are the baseline's, unchanged: each page after r is unwritten, so it still holds its link.
     */
    int restFrom(long r, PhysicalMemory mem) {
      int k = position[page(r)];
      if (k < 0) return -1;
      for (long w : mem.writtenPages()) {
        if (position[page(w)] > k) return -1;
      }
      return length - k;
    }
  }

  private static int page(long pa) {
    return (int) ((pa - PhysicalMemory.BASE) >>> PhysicalMemory.PGSHIFT);
  }

  /** The baseline's free list, or null; see {@link FreeList}. */
  private FreeList baselineList;

  /**
   * Right after a snapshot or a reset, when the memory is its baseline: learns the baseline's free
   * list, unless it is the one already known.
   */
  private void learnFreeList() {
    PhysicalMemory mem = machine.memory();
    if (kmem < 0 || (baselineList != null && baselineList.of() == mem.baseline())) return;
    if (mem.dirtyPageCount() != 0) return; // not the baseline itself: nothing to learn from
    baselineList = null;
    OptionalInt n = walkFreeList();
    if (n.isEmpty()) return;
    int[] position = new int[(int) (mem.size() / PhysicalMemory.PGSIZE)];
    java.util.Arrays.fill(position, -1);
    int k = 0;
    for (long r = mem.read64(kmem + FREELIST_OFFSET); r != 0; r = mem.read64(r)) {
      position[page(r)] = k++;
    }
    baselineList = new FreeList(mem.baseline(), position, n.getAsInt());
  }

  /**
   * The machine, the console's length, the calls in flight and the registers of the last return (so
   * a snapshot taken at a call's return can be judged from there). The disk is kept by {@link
   * MemoryBlockDevice#snapshot}, which holds only the latest.
   */
  public record Snapshot(
      SystemMachine.Snapshot machine,
      int console,
      Map<Long, long[]> pending,
      int panicScan,
      long[] registers,
      long[] unreturned,
      java.util.List<Unborn> unborn,
      long forkParent,
      long switches,
      long lastSpace) {}

  @Override
  public Snapshot snapshot() {
    disk.snapshot();
    SystemMachine.Snapshot taken = machine.snapshot();
    learnFreeList();
    return new Snapshot(
        taken,
        console.size(),
        Map.copyOf(pending),
        panicScan,
        registers.clone(),
        unreturned.clone(),
        java.util.List.copyOf(unborn),
        forkParent,
        switches,
        lastSpace);
  }

  @Override
  public void reset(Snapshot s) {
    disk.reset();
    machine.reset(s.machine());
    learnFreeList();
    byte[] kept = console.toByteArray();
    console.reset();
    console.write(kept, 0, s.console());
    pending = new HashMap<>(s.pending());
    panicScan = s.panicScan();
    registers = s.registers().clone();
    unreturned = s.unreturned().clone();
    unborn = new java.util.ArrayList<>(s.unborn());
    forkParent = s.forkParent();
    switches = s.switches();
    lastSpace = s.lastSpace();
    lastAlone = true;
  }
}
