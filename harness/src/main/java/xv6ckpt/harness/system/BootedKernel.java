package xv6ckpt.harness.system;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.emulator.system.VirtBoard;

/**
 * A C kernel ELF on the full-system machine over a disk, driven through its console as a user at
 * the shell would: type a line, run until the console says something. The sweeps' common ground;
 * everything they observe is the console and the disk, so any kernel with xv6's shell will do.
 */
final class BootedKernel {
  /** Steps any one phase (boot, a command) may take; far above what xv6 needs (~50 M). */
  static final long PHASE_BUDGET = 3_000_000_000L;

  static final long SLICE = 1_000_000;

  final String name;
  final SystemMachine machine;
  final VirtBoard board;
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();

  /** The machine's time when the last slice of {@link #runUntil} began. */
  private long lastSliceStart;

  /** A machine of {@code config} with the kernel loaded, its code kept in {@code code}. */
  BootedKernel(
      String name, byte[] elf, SystemMachine.Config config, DecodeCache code, BlockDevice disk) {
    this.name = name;
    machine = new SystemMachine(config, code);
    board = new VirtBoard(machine, disk, console::write);
    try {
      machine.loadKernel(elf, 0);
    } catch (Elf64.ElfException e) {
      throw new CannotJudge(name + ": " + e.getMessage());
    }
  }

  String console() {
    return console.toString(StandardCharsets.ISO_8859_1);
  }

  /** Forgets console output past {@code length} (after a reset to an earlier snapshot). */
  void truncateConsole(int length) {
    byte[] kept = console.toByteArray();
    console.reset();
    console.write(kept, 0, length);
  }

  /** Types {@code line} and a newline. */
  void type(String line) {
    board.uart.receive((line + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  boolean atPrompt() {
    return console().endsWith("$ ");
  }

  /** Whether the virtio disk has completed a request since the machine started. */
  boolean diskRequested() {
    return board.disk.snapshot().usedIdx() != 0;
  }

  /**
   * Boots to the shell's prompt; returns the time at the start of the slice in which the kernel's
   * first disk request completed (nothing before it read the disk).
   *
   * @throws CannotJudge if the kernel reaches no prompt, or reaches it without reading its disk
   */
  long bootToPrompt() {
    long[] first = {-1};
    runUntil(
        () -> {
          if (first[0] < 0 && diskRequested()) first[0] = lastSliceStart;
          return atPrompt();
        },
        "boot to the shell's prompt");
    if (first[0] < 0) {
      throw new CannotJudge(
          name + ": the kernel reached its prompt without reading its disk: not an xv6 kernel?");
    }
    return first[0];
  }

  /** Types {@code line} and runs until the shell prompts again; returns what the line printed. */
  String command(String line) {
    int mark = console().length();
    type(line);
    runUntil(() -> console().length() > mark + line.length() + 1 && atPrompt(), "'" + line + "'");
    return console().substring(mark + line.length() + 1, console().length() - 2);
  }

  /** Runs until {@code time}, exactly (slices end there). */
  void runTo(long time) {
    while (machine.time() < time) {
      long before = machine.time();
      if (machine.run(Math.min(SLICE, time - before)) == SystemMachine.Stop.IDLE
          && machine.time() == before) {
        return; // idle with no event due: nothing changes until input comes
      }
    }
  }

  /**
   * Runs slices until {@code done}; a panic, {@link #PHASE_BUDGET} steps or idling is CannotJudge.
   */
  void runUntil(BooleanSupplier done, String what) {
    long end = machine.time() + PHASE_BUDGET;
    while (!done.getAsBoolean()) {
      if (console().contains("panic: ")) throw stuck(what, "the kernel panicked");
      if (machine.time() >= end) throw stuck(what, "not done in " + PHASE_BUDGET + " steps");
      long before = machine.time();
      lastSliceStart = before;
      if (machine.run(SLICE) == SystemMachine.Stop.IDLE && machine.time() == before) {
        if (done.getAsBoolean()) return;
        throw stuck(what, "the machine went idle");
      }
    }
  }

  private CannotJudge stuck(String what, String why) {
    String c = console();
    return new CannotJudge(
        name
            + ": "
            + what
            + ": "
            + why
            + "; the console ends: "
            + c.substring(Math.max(0, c.length() - 300)).strip());
  }

  /**
   * A machine parked just before its kernel's first disk request, so that each use can swap the
   * disk and boot on from there: a boot that costs only what follows the first disk access (for
   * xv6, its memory clearing is before it). Valid because nothing before that instant read the disk
   * and the machine is deterministic.
   */
  static final class Parked {
    final BootedKernel k;
    final MemoryBlockDevice disk;
    private final SystemMachine.Snapshot start;
    private final int consoleAtStart;

    /**
     * Boots a second machine over {@code disk} to {@code firstRequest}, from {@link #bootToPrompt}
     * of a machine of the same kernel and config.
     */
    Parked(
        String name,
        byte[] elf,
        SystemMachine.Config config,
        DecodeCache code,
        MemoryBlockDevice disk,
        long firstRequest) {
      this.disk = disk;
      k = new BootedKernel(name, elf, config, code, disk);
      k.runTo(firstRequest);
      if (k.diskRequested()) {
        throw new CannotJudge(name + ": a second boot read the disk earlier than the first");
      }
      start = k.machine.snapshot();
      consoleAtStart = k.console().length();
      disk.snapshot();
    }

    /** Back to the parked instant, the disk as it was when parked. */
    BootedKernel reset() {
      disk.reset();
      k.machine.reset(start);
      k.truncateConsole(consoleAtStart);
      return k;
    }
  }
}
