package xv6ckpt.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.emulator.system.VirtBoard;
import xv6ckpt.kernel.fs.FsFormat;

/**
 * A C kernel ELF (xv6-riscv or any kernel for QEMU's {@code virt} board) on the full-system
 * machine, for {@code boot --kernel} and {@code run --kernel}. The disk is a copy in memory of
 * {@code --fs}: the user's image is read once and never written, so no run can corrupt it.
 *
 * <p>Everything is checked before the machine is built, so bad input costs nothing and writes
 * nothing: a kernel that is not a loadable 64-bit RISC-V ELF or has a segment outside RAM, an image
 * that is not whole 1024-byte blocks, has no xv6 superblock or is smaller than its superblock says.
 */
final class FullSystem {
  final SystemMachine machine;
  final VirtBoard board;

  /** The disk: a copy in memory of --fs, or null without one. */
  final MemoryBlockDevice disk;

  /** Every byte the kernel wrote to the console, in order. */
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();

  /** Where console bytes are echoed as they come (null: nowhere), and how many were echoed. */
  private PrintStream echo;

  private FullSystem(
      SystemMachine.Config config,
      DecodeCache code,
      byte[] kernel,
      byte[] image,
      String kernelName) {
    machine = new SystemMachine(config, code);
    disk = image == null ? null : new MemoryBlockDevice(FsFormat.BSIZE, image);
    board = new VirtBoard(machine, disk, this::consoleByte);
    try {
      machine.loadKernel(kernel, 0);
    } catch (Elf64.ElfException e) {
      throw CliError.badInput(kernelName + ": " + e.getMessage());
    }
  }

  private void consoleByte(int b) {
    console.write(b);
    if (echo != null) echo.write(b);
  }

  /** Boots {@code kernel} over a copy of {@code fs} (null: no disk) on a machine of this shape. */
  static FullSystem open(Path kernel, Path fs, int ramMiB, int harts, long seed) {
    return open(kernel, fs, ramMiB, harts, seed, MachineOptions.HART_QUANTUM);
  }

  /** As above, with harts taking turns of {@code quantum} steps on average. */
  static FullSystem open(Path kernel, Path fs, int ramMiB, int harts, long seed, long quantum) {
    return open(kernel, fs, ramMiB, harts, seed, quantum, new DecodeCache());
  }

  /**
   * As above, the machine's decoded and translated code kept in {@code code}, which machines run
   * one after another may share ({@link DecodeCache}).
   */
  static FullSystem open(
      Path kernel, Path fs, int ramMiB, int harts, long seed, long quantum, DecodeCache code) {
    SystemMachine.Config config;
    try {
      config = new SystemMachine.Config((long) ramMiB << 20, harts, seed, quantum);
    } catch (IllegalArgumentException e) {
      throw CliError.badInput("--harts: " + e.getMessage());
    }
    byte[] elf = read(kernel, "kernel");
    checkKernel(kernel.toString(), elf, config.ramBytes());
    byte[] image = fs == null ? null : read(fs, "file system image");
    if (image != null) checkImage(fs.toString(), image);
    return new FullSystem(config, code, elf, image, kernel.toString());
  }

  static byte[] read(Path p, String what) {
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw CliError.badInput(p + ": no such file (the " + what + ")");
    } catch (IOException e) {
      throw CliError.badInput(p + ": cannot read the " + what + ": " + e.getMessage());
    }
  }

  /**
   * The ELF rules the loader relies on, checked up front: identity (by {@link Elf64}), at least one
   * PT_LOAD segment, each inside RAM by its physical address.
   */
  static void checkKernel(String name, byte[] elf, long ramBytes) {
    Elf64.Executable exe;
    try {
      exe = Elf64.parse(elf, Long.MAX_VALUE);
    } catch (Elf64.ElfException e) {
      throw CliError.badInput(name + ": not a kernel this machine can boot: " + e.getMessage());
    }
    if (exe.loadSegments().isEmpty()) {
      throw CliError.badInput(name + ": the kernel ELF has no loadable (PT_LOAD) segment");
    }
    ByteBuffer bb = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < exe.programHeaders().size(); i++) {
      Elf64.ProgramHeader ph = exe.programHeaders().get(i);
      if (!ph.isLoad()) continue;
      long paddr = bb.getLong((int) exe.header().phoff() + i * Elf64.PHDR_SIZE + 24);
      long base = SystemMachine.RAM_BASE;
      if (Long.compareUnsigned(paddr, base) < 0
          || Long.compareUnsigned(paddr + ph.memsz(), base + ramBytes) > 0
          || Long.compareUnsigned(paddr + ph.memsz(), paddr) < 0) {
        throw CliError.badInput(
            String.format(
                "%s: segment %d at physical [0x%x, 0x%x) is outside RAM [0x%x, 0x%x) (see --ram)",
                name, i, paddr, paddr + ph.memsz(), base, base + ramBytes));
      }
    }
  }

  /** Whole blocks, an xv6 superblock in block 1, and at least as many blocks as it counts. */
  static void checkImage(String name, byte[] image) {
    int bsize = FsFormat.BSIZE;
    if (image.length % bsize != 0) {
      throw CliError.badInput(
          String.format(
              "%s: %d bytes is not a whole number of %d-byte blocks", name, image.length, bsize));
    }
    ByteBuffer bb = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    if (image.length < 2 * bsize || bb.getInt(bsize) != FsFormat.FSMAGIC) {
      throw CliError.badInput(name + ": not an xv6 file system (no superblock magic in block 1)");
    }
    long size = Integer.toUnsignedLong(bb.getInt(bsize + 4));
    if (size * bsize > image.length) {
      throw CliError.badInput(
          String.format(
              "%s: the superblock says %d blocks but the image holds only %d",
              name, size, image.length / bsize));
    }
  }

  /**
   * Writes the machine's disk as it is now to {@code out} (for {@code --fs-out}): to a temporary
   * file beside it first, then moved into place, so an interrupted write leaves no half image.
   */
  void writeDisk(Path out) {
    if (disk == null) {
      throw CliError.badInput("--fs-out needs --fs (without a disk there is nothing to write)");
    }
    Path dir = out.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, ".xv6ckpt-fs-out", ".tmp");
      Files.write(tmp, disk.contents());
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw CliError.badInput(out + ": cannot write the disk (--fs-out): " + e.getMessage());
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) return;
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // the message about the failed write is the one that matters
    }
  }

  /** Echoes every console byte from now on to {@code out}. */
  void echoTo(PrintStream out) {
    echo = out;
  }

  /** The console so far, as text (bytes as Latin-1, so every byte maps to one char). */
  String console() {
    return console.toString(StandardCharsets.ISO_8859_1);
  }

  int consoleLength() {
    return console.size();
  }

  /** Types these bytes on the console (the UART's receive side), after any still unread. */
  void type(byte[] bytes) {
    board.uart.receive(bytes);
  }

  /** The console's line starting with "panic: " at or after {@code from}, or null. */
  String panicLine(int from) {
    String c = console();
    int at = c.indexOf("panic: ", Math.max(0, from - 7));
    while (at > 0 && c.charAt(at - 1) != '\n') {
      at = c.indexOf("panic: ", at + 1);
    }
    if (at < 0) return null;
    int end = c.indexOf('\n', at);
    return c.substring(at, end < 0 ? c.length() : end).strip();
  }
}
