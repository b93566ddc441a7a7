package xv6ckpt.emulator.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.Trap;

/**
 * One benchmark program (a flat RV64IMAC image built by {@code bench/build.sh} from C) on a
 * machine of its own, with the MMU on the way xv6 runs user code: Sv39, 4 KiB pages, U=1.
 *
 * <p>Layout: virtual [0, 24 MiB) maps page by page onto physical BASE + 8 MiB onwards; the image
 * is loaded at virtual 0x10000 (its entry), the stack grows down from 24 MiB; page tables sit at
 * the bottom of RAM. The program ends with ecall (a7 = 93, exit) with its result in a0.
 */
public final class BenchProgram {
  public static final long ENTRY = 0x10000;
  static final long USER_SIZE = 24L << 20;
  static final long USER_PA = PhysicalMemory.BASE + (8L << 20);
  static final int RAM = 64 << 20;
  /** Scheduler-like quantum: the budget of each run call. */
  static final long QUANTUM = 1_000_000;

  public final String name;
  public final PhysicalMemory memory = new PhysicalMemory(RAM);
  public final Hart hart = new Hart(memory);
  private final long satp;
  private final PhysicalMemory.Snapshot loaded;

  public BenchProgram(String name) {
    this.name = name;
    this.satp = buildPageTables();
    byte[] image = load(name);
    memory.write(USER_PA + ENTRY, image, 0, image.length);
    this.loaded = memory.snapshot();
  }

  private static byte[] load(String name) {
    try (InputStream in = BenchProgram.class.getResourceAsStream(name + ".bin")) {
      if (in == null) throw new IllegalArgumentException("no benchmark image " + name + ".bin");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Three-level tables mapping [0, USER_SIZE) with 4 KiB user RWX pages; returns satp. */
  private long buildPageTables() {
    long next = PhysicalMemory.BASE;
    long root = next;
    next += 4096;
    long l1 = next;
    next += 4096;
    memory.write64(root, (l1 >>> 12) << 10 | 1); // vpn2 = 0
    for (long va = 0; va < USER_SIZE; va += 4096) {
      int vpn1 = (int) (va >>> 21) & 511;
      long l1e = l1 + 8L * vpn1;
      if (memory.read64(l1e) == 0) {
        memory.write64(l1e, (next >>> 12) << 10 | 1);
        next += 4096;
      }
      long l0 = (memory.read64(l1e) >>> 10) << 12;
      long pte = ((USER_PA + va) >>> 12) << 10 | 0x1F; // V R W X U
      memory.write64(l0 + 8L * ((va >>> 12) & 511), pte);
    }
    return 8L << 60 | (root >>> 12);
  }

  /** Runs the program from a freshly reset machine to its exit; returns a0. */
  public long runOnce() {
    memory.reset(loaded);
    for (int i = 0; i < 32; i++) hart.setX(i, 0);
    hart.setX(2, USER_SIZE);
    hart.setSatp(satp);
    hart.setPc(ENTRY);
    hart.setInstret(0);
    for (; ; ) {
      Trap t = hart.run(QUANTUM);
      if (t instanceof Trap.Timer) continue;
      if (t instanceof Trap.Ecall && hart.x(17) == 93) return hart.x(10);
      throw new IllegalStateException(name + ": unexpected " + t);
    }
  }
}
