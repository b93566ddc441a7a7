package xv6ckpt.harness.rig;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.elf.Elf64;

/**
 * Two of xv6's fixed tables in a C kernel's memory, found through its symbol table: the process
 * table ({@code proc}, NPROC entries; proc.c) and the open-file table ({@code ftable}, a spinlock
 * then NFILE entries; file.c). Read only as evidence: how many slots are free at an instant, so
 * that kernel-differential can tell a fork or pipe that failed because its table was full from one
 * that failed for no reason.
 *
 * <p>Laid out as xv6-riscv declares them: every {@code struct spinlock} is 24 bytes (locked, name,
 * cpu); {@code struct proc} begins with its lock, then {@code enum procstate state} (UNUSED is 0);
 * {@code struct file} begins with its type, then {@code int ref} (0: the entry is free). Only the
 * entry size is taken from the symbol (kits may add fields at the end of {@code struct proc}). A
 * symbol that is missing, whose size does not divide into NPROC (or NFILE) entries big enough for
 * the field, or a field value outside what xv6 stores there, makes the count unknown with the
 * reason, never a guess.
 */
final class KernelTables {
  /** param.h's NPROC and NFILE, which stock xv6-riscv has always had. */
  static final int NPROC = xv6ckpt.kernel.Param.NPROC, NFILE = xv6ckpt.kernel.Param.NFILE;

  /** struct spinlock: uint locked (padded), char *name, struct cpu *cpu. */
  static final long SPINLOCK = 24;

  /** proc.h's procstate: UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE. */
  static final int PROC_STATES = 6;

  /** proc.h's ZOMBIE: exited, waiting for its parent's wait. */
  static final int ZOMBIE = 5;

  /** A table of {@code count} entries of {@code stride} bytes from {@code base}; the field read. */
  private record Table(long base, long stride, int count, long field) {}

  private final Table proc, files;
  private final String procUnknown, filesUnknown;

  private KernelTables(Table proc, String procUnknown, Table files, String filesUnknown) {
    this.proc = proc;
    this.procUnknown = procUnknown;
    this.files = files;
    this.filesUnknown = filesUnknown;
  }

  /** The tables {@code elf}'s symbol table names (unknown ones with their reasons). */
  static KernelTables of(byte[] elf) {
    Elf64.SymbolTable symbols;
    try {
      symbols = Elf64.symbols(elf);
    } catch (Elf64.ElfException e) {
      String why = "the kernel's symbol table is damaged: " + e.getMessage();
      return new KernelTables(null, why, null, why);
    }
    Optional<Elf64.Symbol> p = symbols.symbol("proc"), f = symbols.symbol("ftable");
    String procWhy = why(p, "proc", 0, NPROC, SPINLOCK + 4);
    String filesWhy = why(f, "ftable", SPINLOCK, NFILE, 8);
    Table procTable =
        procWhy != null
            ? null
            : new Table(p.get().value(), p.get().size() / NPROC, NPROC, SPINLOCK);
    Table fileTable =
        filesWhy != null
            ? null
            : new Table(f.get().value() + SPINLOCK, (f.get().size() - SPINLOCK) / NFILE, NFILE, 4);
    return new KernelTables(procTable, procWhy, fileTable, filesWhy);
  }

  /**
   * Why {@code s} is not a table of {@code count} entries of at least {@code least} bytes after
   * {@code head} bytes; null if it is one.
   */
  private static String why(
      Optional<Elf64.Symbol> s, String name, long head, int count, long least) {
    if (s.isEmpty()) return "the kernel's symbol table names no " + name + " (stripped?)";
    long body = s.get().size() - head;
    if (body < count * least || body % count != 0) {
      return name
          + " is "
          + s.get().size()
          + " bytes, not "
          + (head > 0 ? head + " + " : "")
          + count
          + " entries of xv6-riscv's layout";
    }
    return null;
  }

  /** Free slots of the process table (state UNUSED), or empty (see {@link #procsUnknown}). */
  OptionalInt freeProcs(PhysicalMemory mem) {
    return count(mem, proc, PROC_STATES, 0);
  }

  /** struct proc's pid, parent and pagetable, after state, chan, killed, xstate (f5b93ef-2025). */
  static final long PID = 48, PARENT = 56, PAGETABLE = 80;

  /**
   * The page table (satp's root) of the parent of the process whose page table is {@code root}, if
   * exactly one live slot has it and its parent pointer names a live slot of the table; empty
   * otherwise (xv6's reparent makes an orphan init's child).
   */
  OptionalLong parentRootOf(PhysicalMemory mem, long root) {
    OptionalLong slot = slotOf(mem, root);
    if (slot.isEmpty()) return OptionalLong.empty();
    long parent = mem.read64(slot.getAsLong() + PARENT) - proc.base();
    if (parent < 0 || parent >= proc.stride() * proc.count() || parent % proc.stride() != 0) {
      return OptionalLong.empty();
    }
    long p = proc.base() + parent;
    return mem.read32(p + proc.field()) == 0
        ? OptionalLong.empty()
        : OptionalLong.of(mem.read64(p + PAGETABLE));
  }

  /**
   * The pid of the process whose page table is {@code root} (the physical address satp names), if
   * exactly one live slot of {@code proc} has it; empty when none does, the table is unknown, or
   * its entries are too small to hold the field.
   */
  OptionalInt pidOf(PhysicalMemory mem, long root) {
    OptionalLong slot = slotOf(mem, root);
    return slot.isEmpty()
        ? OptionalInt.empty()
        : OptionalInt.of(mem.read32(slot.getAsLong() + PID));
  }

  /** The one live slot whose pagetable is {@code root}, or empty. */
  private OptionalLong slotOf(PhysicalMemory mem, long root) {
    if (proc == null || proc.stride() < PAGETABLE + 8) return OptionalLong.empty();
    if (!mem.contains(proc.base(), proc.stride() * proc.count())) return OptionalLong.empty();
    OptionalLong found = OptionalLong.empty();
    for (int i = 0; i < proc.count(); i++) {
      long slot = proc.base() + i * proc.stride();
      if (mem.read32(slot + proc.field()) == 0 || mem.read64(slot + PAGETABLE) != root) continue;
      if (found.isPresent()) return OptionalLong.empty(); // two live slots, one table: not xv6's
      found = OptionalLong.of(slot);
    }
    return found;
  }

  /** Processes that have exited and wait for their parent (ZOMBIE), or empty as above. */
  OptionalInt zombieProcs(PhysicalMemory mem) {
    return count(mem, proc, PROC_STATES, ZOMBIE);
  }

  /** Free entries of the open-file table (ref 0), or empty (see {@link #filesUnknown}). */
  OptionalInt freeFiles(PhysicalMemory mem) {
    return count(mem, files, Integer.MAX_VALUE, 0);
  }

  /** Why {@link #freeProcs} is empty, if the symbol is the reason. */
  Optional<String> procsUnknown() {
    return Optional.ofNullable(procUnknown);
  }

  /** Why {@link #freeFiles} is empty, if the symbol is the reason. */
  Optional<String> filesUnknown() {
    return Optional.ofNullable(filesUnknown);
  }

  /**
   * Entries whose field is {@code value}, if every field is in [0, {@code limit}) and the table in
   * RAM.
   */
  private static OptionalInt count(PhysicalMemory mem, Table t, int limit, int value) {
    if (t == null || !mem.contains(t.base(), t.stride() * t.count())) return OptionalInt.empty();
    int n = 0;
    for (int i = 0; i < t.count(); i++) {
      int v = mem.read32(t.base() + i * t.stride() + t.field());
      if (v < 0 || v >= limit) return OptionalInt.empty();
      if (v == value) n++;
    }
    return OptionalInt.of(n);
  }
}
