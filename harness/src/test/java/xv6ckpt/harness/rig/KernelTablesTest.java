package xv6ckpt.harness.rig;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * xv6's process and open-file tables read through a symbol table: free slots counted as xv6-riscv
 * lays the tables out, and unknown (with the reason) where the symbols or the values are not that.
 */
class KernelTablesTest {
  static final long PROC = PhysicalMemory.BASE + 0x1_0000, FTABLE = PhysicalMemory.BASE + 0x2_0000;

  /** xv6-riscv f5b93ef's sizes: struct proc is 360 bytes, struct file 40. */
  static final long PROC_SIZE = 64 * 360, FTABLE_SIZE = 24 + 100 * 40;

  static KernelTables tables(long procSize, long ftableSize) {
    Elf64Writer w =
        new Elf64Writer().segment(PhysicalMemory.BASE, new byte[4], 5).entry(PhysicalMemory.BASE);
    if (procSize > 0) w.symbol("proc", PROC, procSize, Elf64Writer.STT_OBJECT);
    if (ftableSize > 0) w.symbol("ftable", FTABLE, ftableSize, Elf64Writer.STT_OBJECT);
    return KernelTables.of(w.write());
  }

  /** RAM with slots 0, 5 and 63 used (USED, SLEEPING, ZOMBIE) and files 0 and 99 open. */
  static PhysicalMemory memory() {
    PhysicalMemory mem = new PhysicalMemory(1 << 20);
    mem.write32(PROC + 0 * 360 + 24, 1);
    mem.write32(PROC + 5 * 360 + 24, 2);
    mem.write32(PROC + 63 * 360 + 24, 5);
    mem.write32(PROC + 63 * 360 + 20, 7); // the lock's padding: not the state
    mem.write32(FTABLE + 24 + 4, 3); // file 0: ref 3
    mem.write32(FTABLE + 24 + 99 * 40 + 4, 1);
    mem.write32(FTABLE + 24 + 99 * 40, 2); // its type, not its ref
    return mem;
  }

  @Test
  void freeSlotsAreTheEntriesXv6MarksUnused() {
    KernelTables t = tables(PROC_SIZE, FTABLE_SIZE);
    PhysicalMemory mem = memory();
    assertThat(t.freeProcs(mem).getAsInt()).isEqualTo(61);
    assertThat(t.freeFiles(mem).getAsInt()).isEqualTo(98);
    assertThat(t.procsUnknown()).isEmpty();
    assertThat(t.zombieProcs(mem).getAsInt()).isEqualTo(1); // slot 63
    mem.write32(PROC + 7 * 360 + 24, 5);
    assertThat(t.zombieProcs(mem).getAsInt()).isEqualTo(2);
    // a kit that adds a field at the end of struct proc: only the stride changes
    KernelTables wider = tables(64 * 368, FTABLE_SIZE);
    PhysicalMemory m2 = new PhysicalMemory(1 << 20);
    m2.write32(PROC + 2 * 368 + 24, 3);
    assertThat(wider.freeProcs(m2).getAsInt()).isEqualTo(63);
  }

  /** A process found by its page table (satp's root), as xv6-riscv lays out struct proc. */
  @Test
  void aPidIsFoundByItsPageTable() {
    KernelTables t = tables(PROC_SIZE, FTABLE_SIZE);
    PhysicalMemory mem = memory(); // slots 0, 5 and 63 live
    mem.write64(PROC + 5 * 360 + 80, 0x8765_4000L);
    mem.write32(PROC + 5 * 360 + 48, 42);
    mem.write64(PROC + 9 * 360 + 80, 0x8765_4000L); // slot 9 is UNUSED: a stale table
    mem.write32(PROC + 9 * 360 + 48, 41);
    assertThat(t.pidOf(mem, 0x8765_4000L).getAsInt()).isEqualTo(42);
    assertThat(t.pidOf(mem, 0x8765_5000L).isPresent()).isFalse(); // no live slot has it
    mem.write64(PROC + 63 * 360 + 80, 0x8765_4000L); // two live slots, one table: not xv6
    assertThat(t.pidOf(mem, 0x8765_4000L).isPresent()).isFalse();
    mem.write64(PROC + 63 * 360 + 80, 0x8765_6000L);
    mem.write64(PROC + 5 * 360 + 56, PROC + 63 * 360); // slot 5's parent is slot 63
    assertThat(t.parentRootOf(mem, 0x8765_4000L).getAsLong()).isEqualTo(0x8765_6000L);
    mem.write64(PROC + 5 * 360 + 56, PROC + 9 * 360); // an UNUSED slot: not a parent
    assertThat(t.parentRootOf(mem, 0x8765_4000L).isPresent()).isFalse();
    mem.write64(PROC + 5 * 360 + 56, PROC + 9 * 360 + 8); // not the start of a slot
    assertThat(t.parentRootOf(mem, 0x8765_4000L).isPresent()).isFalse();
    KernelTables small = tables(64 * 80, FTABLE_SIZE); // entries end before pagetable
    assertThat(small.pidOf(mem, 0x8765_4000L).isPresent()).isFalse();
  }

  @Test
  void aValueXv6NeverStoresMakesTheCountUnknown() {
    KernelTables t = tables(PROC_SIZE, FTABLE_SIZE);
    PhysicalMemory mem = memory();
    mem.write32(PROC + 9 * 360 + 24, 6); // no procstate is 6
    mem.write32(FTABLE + 24 + 50 * 40 + 4, -1); // a negative ref
    assertThat(t.freeProcs(mem).isPresent()).isFalse();
    assertThat(t.zombieProcs(mem).isPresent()).isFalse();
    assertThat(t.freeFiles(mem).isPresent()).isFalse();
  }

  @Test
  void symbolsOfAnotherShapeOrNoneAreUnknownWithTheReason() {
    KernelTables none = tables(0, 0);
    assertThat(none.freeProcs(memory()).isPresent()).isFalse();
    assertThat(none.procsUnknown().get()).contains("names no proc");
    assertThat(none.filesUnknown().get()).contains("names no ftable");
    KernelTables odd = tables(64 * 360 + 8, 100 * 40);
    assertThat(odd.procsUnknown().get()).contains("proc is 23048 bytes");
    assertThat(odd.filesUnknown().get()).contains("ftable is 4000 bytes");
    assertThat(odd.freeFiles(memory()).isPresent()).isFalse();
    KernelTables small = tables(64 * 16, FTABLE_SIZE); // entries too small to hold a state
    assertThat(small.procsUnknown()).isPresent();
  }

  @Test
  void aTableOutsideRamIsUnknown() {
    PhysicalMemory tiny = new PhysicalMemory(0x1_0000 + 4096); // proc's 23,040 bytes do not fit
    assertThat(tables(PROC_SIZE, FTABLE_SIZE).freeProcs(tiny).isPresent()).isFalse();
  }
}
