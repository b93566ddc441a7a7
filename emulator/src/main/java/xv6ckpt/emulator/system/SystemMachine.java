package xv6ckpt.emulator.system;

import java.util.ArrayList;
import java.util.List;
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.dev.Bus;
import xv6ckpt.emulator.dev.Clocked;
import xv6ckpt.emulator.dev.IrqLine;
import xv6ckpt.emulator.dev.Mmio;
import xv6ckpt.emulator.dev.Stateful;
import xv6ckpt.emulator.elf.Elf64;

/**
 * A whole RISC-V machine laid out as QEMU's {@code virt} board (the part xv6-riscv uses): RAM at
 * 0x80000000, a {@link Bus} of devices at the board's addresses, and 1 to 8 {@link SystemHart}s. It
 * knows nothing of xv6; the devices are handed in ({@link #map}) and wired to the harts' interrupt
 * bits ({@link #wire}).
 *
 * <p>Time is the step count: mtime advances by one per instruction retired and per trap taken, on
 * any hart ({@link SystemHart}), never by the wall clock. Harts take turns in quanta of steps whose
 * lengths come from the seed, so a run is a function of the machine, the seed and the total number
 * of steps, never of how {@link #run} calls split it. A hart in {@code wfi} costs nothing: when
 * every hart waits, time skips to the next timer event (a {@link Clocked} device's or a hart's
 * stimecmp).
 *
 * <p>The machine is a value: {@link #snapshot} and {@link #reset} cover RAM (by dirty pages), every
 * hart's registers and CSRs, the clock and schedule, and each {@link Stateful} device's state.
 */
public final class SystemMachine {

  // QEMU virt addresses and interrupt numbers that xv6-riscv's memlayout.h uses.
  public static final long RAM_BASE = PhysicalMemory.BASE;
  public static final long CLINT = 0x0200_0000L;
  public static final long PLIC = 0x0C00_0000L;
  public static final long UART0 = 0x1000_0000L;
  public static final long VIRTIO0 = 0x1000_1000L;
  public static final int UART0_IRQ = 10;
  public static final int VIRTIO0_IRQ = 1;
  public static final int MAX_HARTS = 8;

  /** The interrupt inputs of a hart that devices drive (bits of mip). */
  public enum HartWire {
    MSIP(Csrs.MSIP),
    MTIP(Csrs.MTIP),
    SEIP(Csrs.SEIP),
    MEIP(Csrs.MEIP);

    final long bit;

    HartWire(long bit) {
      this.bit = bit;
    }
  }

  /**
   * How the machine is built: RAM bytes, harts, the seed of the schedule and the mean quantum in
   * steps.
   */
  public record Config(long ramBytes, int harts, long seed, long quantum) {
    public Config {
      if (harts < 1 || harts > MAX_HARTS) {
        throw new IllegalArgumentException("harts " + harts + " is not in 1.." + MAX_HARTS);
      }
      if (quantum < 2) {
        throw new IllegalArgumentException("quantum " + quantum + " must be at least 2 steps");
      }
    }

    /** 128 MiB (xv6's PHYSTOP), one hart, seed 0, quanta of 10,000 steps on average. */
    public static Config defaults() {
      return new Config(128L << 20, 1, 0, 10_000);
    }

    public Config withHarts(int n) {
      return new Config(ramBytes, n, seed, quantum);
    }

    public Config withSeed(long s) {
      return new Config(ramBytes, harts, s, quantum);
    }

    public Config withQuantum(long q) {
      return new Config(ramBytes, harts, seed, q);
    }
  }

  /** Why {@link #run} returned. */
  public enum Stop {
    /** All the steps asked for were made. */
    BUDGET,
    /** Every hart waits in wfi and no timer event is due: only outside input can wake it. */
    IDLE,
    /**
     * A hart took an environment call from U-mode (only with {@link #watchUserBoundary}); {@link
     * #boundaryHart} names it.
     */
    USER_ECALL,
    /** A hart's xRET entered U-mode (only with {@link #watchUserBoundary}). */
    USER_RETURN
  }

  /**
   * Makes {@link #run} return {@link Stop#USER_ECALL} or {@link Stop#USER_RETURN} right after a
   * hart crosses the user boundary ({@link SystemHart#watchUserBoundary}), so that a harness can
   * observe any kernel at the architectural boundary alone. Not part of snapshots: it is how the
   * machine is watched, not what it is.
   */
  public void watchUserBoundary(boolean on) {
    for (SystemHart h : harts) h.watchUserBoundary(on);
  }

  /** The hart whose boundary crossing ended the last {@link #run}. */
  public int boundaryHart() {
    return boundaryHart;
  }

  private int boundaryHart;

  private final Config config;
  private final PhysicalMemory memory;
  private final Bus bus = new Bus();
  private final SystemHart[] harts;
  private final List<Clocked> clocked = new ArrayList<>();
  private final List<Stateful> stateful = new ArrayList<>();

  private long now;

  /** The hart whose turn it is, the end of its quantum, and how many quanta came before. */
  private int current;

  private long quantumEnd;
  private long quantumIndex;

  /** The hart inside {@link SystemHart#run}, whose progress {@link #time()} includes; or null. */
  private SystemHart running;

  public SystemMachine(Config config) {
    this(config, new DecodeCache());
  }

  /**
   * A machine whose decoded and translated code is kept in {@code code}, which machines run one
   * after another on one thread may share (a benchmark's boots, a campaign's fresh machines): each
   * then starts with the code the others translated. Not architectural (see {@link DecodeCache}).
   */
  public SystemMachine(Config config, DecodeCache code) {
    this.config = config;
    this.memory = new PhysicalMemory(config.ramBytes(), code);
    this.harts = new SystemHart[config.harts()];
    for (int i = 0; i < harts.length; i++) {
      harts[i] = new SystemHart(memory, bus, i);
    }
    this.quantumEnd = quantumLength(0);
  }

  public Config config() {
    return config;
  }

  public PhysicalMemory memory() {
    return memory;
  }

  public Bus bus() {
    return bus;
  }

  public int hartCount() {
    return harts.length;
  }

  public SystemHart hart(int i) {
    return harts[i];
  }

  /** mtime: steps made so far, including those of the hart running now. */
  public long time() {
    return running == null ? now : running.time();
  }

  /**
   * Maps a device at {@code base}; it is advanced with time if it is {@link Clocked} and kept in
   * snapshots if it is {@link Stateful}.
   */
  public void map(long base, Mmio device) {
    bus.map(base, device);
    register(device);
  }

  /**
   * Has the machine advance {@code part} with time if it is {@link Clocked} and keep it in
   * snapshots if it is {@link Stateful} (for parts that are not a bus window themselves).
   */
  public void register(Object part) {
    if (part instanceof Clocked c) clocked.add(c);
    if (part instanceof Stateful s) stateful.add(s);
  }

  /** The wire from a device to hart {@code hartId}'s interrupt input. */
  public IrqLine wire(int hartId, HartWire input) {
    SystemHart h = harts[hartId];
    return level -> h.setWire(input.bit, level);
  }

  // ---------------------------------------------------------------- loading

  /**
   * Loads a RISC-V ELF64 kernel: every PT_LOAD segment at its physical address (p_paddr), which
   * must lie in RAM; then every hart starts at the entry in M-mode with a0 = its hart id and a1 =
   * {@code dtb} (a device-tree address; 0 for none, which xv6 never reads).
   *
   * @throws Elf64.ElfException naming what is wrong with the file
   */
  public void loadKernel(byte[] elf, long dtb) throws Elf64.ElfException {
    Elf64.Executable exe = Elf64.parse(elf, Long.MAX_VALUE);
    List<Elf64.ProgramHeader> phs = exe.programHeaders();
    for (int i = 0; i < phs.size(); i++) {
      Elf64.ProgramHeader ph = phs.get(i);
      if (!ph.isLoad()) continue;
      long paddr = physicalAddress(elf, exe.header(), i);
      if (!memory.contains(paddr, ph.memsz())) {
        throw new Elf64.ElfException(
            String.format(
                "segment %d: physical addresses [0x%x, +0x%x) are not in RAM [0x%x, +0x%x)",
                i, paddr, ph.memsz(), RAM_BASE, memory.size()));
      }
      memory.fill(paddr, ph.memsz(), (byte) 0);
      memory.write(paddr, elf, (int) ph.offset(), (int) ph.filesz());
    }
    for (SystemHart h : harts) {
      Hart hart = h.hart();
      hart.setPc(exe.header().entry());
      hart.setX(10, h.hartId());
      hart.setX(11, dtb);
    }
  }

  /** p_paddr of program header i (Elf64 keeps only the virtual address). */
  private static long physicalAddress(byte[] elf, Elf64.Header h, int i) {
    int off = (int) h.phoff() + i * Elf64.PHDR_SIZE + 24;
    return java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(off);
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs for {@code steps} steps of the clock, or until the machine is idle. The order of the
   * checks keeps a run independent of how calls split it: a sleeping machine skips to its next
   * event before any quantum is looked at (a skip cut short by the end of a call resumes in the
   * next), and quanta end at fixed times, so every decision is made at a time the machine's state
   * fixes.
   */
  public Stop run(long steps) {
    long until = now + steps < now ? Long.MAX_VALUE : now + steps;
    while (now < until) {
      advanceDevices();
      if (allAsleep()) {
        long ev = nextEvent();
        if (ev == Long.MAX_VALUE) return Stop.IDLE;
        now = Math.min(ev, until); // nothing runs meanwhile: skip
        continue;
      }
      if (harts.length > 1 && now >= quantumEnd) {
        nextQuantum();
      }
      SystemHart h = harts[current];
      if (h.waiting() && !h.wakeable(now)) {
        nextQuantum(); // give the rest of this turn to the next hart
        continue;
      }
      long end = Math.min(until, nextDeviceEvent());
      if (harts.length > 1) end = Math.min(end, quantumEnd);
      running = h;
      try {
        now += h.run(now, end - now);
      } finally {
        running = null;
      }
      SystemHart.UserBoundary b = h.takeUserBoundary();
      if (b != null) {
        advanceDevices();
        boundaryHart = current;
        return b == SystemHart.UserBoundary.ECALL_FROM_U ? Stop.USER_ECALL : Stop.USER_RETURN;
      }
    }
    advanceDevices();
    return Stop.BUDGET;
  }

  private void advanceDevices() {
    for (Clocked c : clocked) c.advance(now);
  }

  private long nextDeviceEvent() {
    long e = Long.MAX_VALUE;
    for (Clocked c : clocked) {
      long t = c.nextEvent(now);
      if (t <= now) { // the contract: events at or before now are already advanced through
        throw new IllegalStateException(c + " reports an event at " + t + ", not after " + now);
      }
      e = Math.min(e, t);
    }
    return e;
  }

  private long nextEvent() {
    long e = nextDeviceEvent();
    for (SystemHart h : harts) e = Math.min(e, h.nextTimerEvent(now));
    return e;
  }

  private boolean allAsleep() {
    for (SystemHart h : harts) {
      if (!h.waiting() || h.wakeable(now)) return false;
    }
    return true;
  }

  /**
   * The next hart's turn starts now, for a seeded number of steps. The hart whose turn ends loses
   * its LR reservation: the others' stores do not clear it (harts run in turns, not at once), so an
   * SC across turns must fail, as it may on hardware.
   */
  private void nextQuantum() {
    harts[current].hart().clearReservation();
    current = (current + 1) % harts.length;
    quantumIndex++;
    quantumEnd = now + quantumLength(quantumIndex);
  }

  /**
   * Quantum k's length: between half and one and a half mean quanta, from the seed (SplitMix64).
   */
  private long quantumLength(long k) {
    long z = config.seed() + (k + 1) * 0x9E37_79B9_7F4A_7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    z ^= z >>> 31;
    long q = config.quantum();
    return q / 2 + Long.remainderUnsigned(z, q);
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * The whole machine at one instant; immutable, reusable by {@link #reset} any number of times.
   */
  public record Snapshot(
      PhysicalMemory.Snapshot ram,
      List<SystemHart.State> harts,
      List<Object> devices,
      long now,
      int current,
      long quantumEnd,
      long quantumIndex) {}

  public Snapshot snapshot() {
    List<SystemHart.State> hs = new ArrayList<>();
    for (SystemHart h : harts) hs.add(h.save());
    List<Object> ds = new ArrayList<>();
    for (Stateful s : stateful) ds.add(s.saveState());
    return new Snapshot(
        memory.snapshot(),
        List.copyOf(hs),
        List.copyOf(ds),
        now,
        current,
        quantumEnd,
        quantumIndex);
  }

  // ---- guest coverage (issue 13): observed, not machine state; emptied by every reset

  private xv6ckpt.emulator.cov.EdgeMap coverage;

  /**
   * Records the control transfers of every hart into {@code map} (one recorder per hart), or stops
   * recording when null. {@link #reset} clears the map, so after a reset it holds one run's edges.
   */
  public void setCoverage(xv6ckpt.emulator.cov.EdgeMap map) {
    coverage = map;
    for (SystemHart h : harts) {
      h.hart().setCoverage(map == null ? null : map.recorder());
    }
  }

  public xv6ckpt.emulator.cov.EdgeMap coverage() {
    return coverage;
  }

  public void reset(Snapshot s) {
    if (s.harts().size() != harts.length || s.devices().size() != stateful.size()) {
      throw new IllegalArgumentException("snapshot of a machine with other harts or devices");
    }
    memory.reset(s.ram());
    for (int i = 0; i < harts.length; i++) harts[i].restore(s.harts().get(i));
    for (int i = 0; i < stateful.size(); i++) stateful.get(i).restoreState(s.devices().get(i));
    now = s.now();
    current = s.current();
    quantumEnd = s.quantumEnd();
    quantumIndex = s.quantumIndex();
    if (coverage != null) {
      coverage.clear(); // [coverage]
    }
  }
}
