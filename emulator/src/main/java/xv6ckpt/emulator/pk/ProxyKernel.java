package xv6ckpt.emulator.pk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.elf.Elf64.ProgramHeader;

/**
 * A "proxy kernel": just enough operating system to run one bare static ELF on a hart, so that ISA
 * test programs and benchmarks run before, and without, the xv6 kernel.
 *
 * <p>It maps the program's PT_LOAD segments and a stack through real Sv39 page tables in emulated
 * RAM (so every run exercises the MMU), passes arguments as xv6's exec does (a0 = argc, a1 = argv,
 * strings and the argv array on the stack), and serves two system calls with xv6's numbers: {@code
 * write} (16) to fds 1 and 2, and {@code exit} (2). Any other system call returns -1. A trap that
 * is not a system call kills the program with xv6's message and exit status -1, as xv6's usertrap
 * does.
 *
 * <p>Physical pages come from a bump allocator: one program, never freed.
 */
public final class ProxyKernel {
  public static final long PGSIZE = 4096;

  /** One past the highest user address, as xv6's MAXVA; the top two pages stay unmapped. */
  public static final long MAXVA = 1L << 38;

  public static final long USER_LIMIT = MAXVA - 2 * PGSIZE;
  public static final int SYS_EXIT = 2;
  public static final int SYS_WRITE = 16;
  public static final int MAXARG = 32; // xv6's limit on argv entries
  public static final long DEFAULT_STACK = 64 * 1024;
  public static final long DEFAULT_RAM = 128L << 20;

  // Sv39 PTE bits.
  static final long PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16;

  private static final long SLICE = 1L << 26; // instructions per run() call between limit checks

  /** How a program ended. */
  public sealed interface Outcome {
    /** Instructions the program retired. */
    long instructions();

    /** It called exit(status). */
    record Exited(int status, long instructions) implements Outcome {}

    /** A trap killed it (exit status -1, as xv6); {@code message} is xv6's usertrap text. */
    record Killed(Trap trap, String message, long instructions) implements Outcome {}

    /** It was still running when the instruction limit ran out. */
    record LimitReached(long pc, long instructions) implements Outcome {}
  }

  /** A program that cannot be loaded: bad ELF, too little memory, too many arguments. */
  public static final class LoadException extends Exception {
    public LoadException(String message) {
      super(message);
    }
  }

  private final PhysicalMemory mem;
  private final Hart hart;
  private final OutputStream stdout;
  private final OutputStream stderr;
  private final long rootTable;
  private long nextFree; // bump allocator over RAM

  public ProxyKernel(long ramBytes, OutputStream stdout, OutputStream stderr) {
    this.mem = new PhysicalMemory(ramBytes);
    this.hart = new Hart(mem);
    this.stdout = stdout;
    this.stderr = stderr;
    this.nextFree = PhysicalMemory.BASE;
    this.rootTable = allocPage();
    hart.setSatp((8L << 60) | (rootTable >>> 12));
  }

  /** A loaded program's whole machine state: RAM, registers, pc, instruction count. */
  public record Snapshot(
      PhysicalMemory.Snapshot memory, long[] registers, long pc, long instret, long nextFree) {}

  /** Captures the machine, e.g. right after {@link #load}, to run the same program again. */
  public Snapshot snapshot() {
    long[] regs = new long[32];
    for (int i = 1; i < 32; i++) {
      regs[i] = hart.x(i);
    }
    return new Snapshot(mem.snapshot(), regs, hart.pc(), hart.instret(), nextFree);
  }

  /**
   * Puts the machine back as {@code s} found it. Decoded and translated code of pages the run did
   * not write survives, as it would in a machine that never stopped: this is what makes a reset
   * cheaper than a new machine.
   */
  public void reset(Snapshot s) {
    mem.reset(s.memory());
    for (int i = 1; i < 32; i++) {
      hart.setX(i, s.registers()[i]);
    }
    hart.setPc(s.pc());
    hart.setInstret(s.instret());
    hart.clearReservation();
    hart.sfenceVma();
    nextFree = s.nextFree();
  }

  /** The hart, for tests and statistics. */
  public Hart hart() {
    return hart;
  }

  /**
   * Maps the executable's segments and a stack of {@code stackBytes} (with an unmapped guard page
   * below it, as xv6 has), puts the arguments on the stack and points the hart at the entry.
   */
  public void load(byte[] elf, List<String> args, long stackBytes)
      throws ElfException, LoadException {
    if (args.size() > MAXARG) {
      throw new LoadException(args.size() + " arguments, more than the limit of " + MAXARG);
    }
    Elf64.Executable exe = Elf64.parse(elf, USER_LIMIT);
    long top = 0;
    for (ProgramHeader ph : exe.loadSegments()) {
      mapSegment(ph, elf);
      top = Math.max(top, ph.vend());
    }
    long guard = pageRoundUp(top);
    long stackBase = guard + PGSIZE;
    long sp = stackBase + pageRoundUp(stackBytes);
    if (sp > USER_LIMIT) {
      throw new LoadException(
          "program and stack do not fit below 0x" + Long.toHexString(USER_LIMIT));
    }
    mapRange(stackBase, sp, PTE_R | PTE_W | PTE_U);
    pushArguments(sp, args);
    hart.setPc(exe.header().entry());
  }

  /** Runs until exit, a fatal trap, or {@code limit} instructions in total (0: no limit). */
  public Outcome run(long limit) throws IOException {
    while (true) {
      long slice = SLICE;
      if (limit > 0) {
        long left = limit - hart.instret();
        if (left <= 0) {
          return new Outcome.LimitReached(hart.pc(), hart.instret());
        }
        slice = Math.min(slice, left);
      }
      Trap trap = hart.run(slice);
      if (trap instanceof Trap.Timer) {
        continue;
      }
      if (trap instanceof Trap.Ecall) {
        Outcome done = syscall();
        if (done != null) {
          return done;
        }
        continue;
      }
      String message =
          String.format(
              "usertrap(): unexpected scause 0x%x pid=1%n            sepc=0x%x stval=0x%x%n",
              trap.cause(), trap.pc(), trap.tval());
      stderr.write(message.getBytes(StandardCharsets.US_ASCII));
      stderr.flush();
      return new Outcome.Killed(trap, message, hart.instret());
    }
  }

  /** Serves the call in a7; returns the outcome if the program exited, else null. */
  private Outcome syscall() throws IOException {
    long num = hart.x(17);
    long a0 = hart.x(10);
    // An ecall traps rather than retires (the privileged spec), so instret is left alone.
    hart.setPc(hart.pc() + 4);
    if (num == SYS_EXIT) {
      stdout.flush();
      return new Outcome.Exited((int) a0, hart.instret());
    }
    long ret = num == SYS_WRITE ? sysWrite((int) a0, hart.x(11), hart.x(12)) : -1;
    hart.setX(10, ret);
    return null;
  }

  private long sysWrite(int fd, long buf, long n) throws IOException {
    if ((fd != 1 && fd != 2) || n < 0) {
      return -1;
    }
    byte[] data = new byte[(int) Math.min(n, 1 << 20)];
    if (!copyin(data, buf)) {
      return -1;
    }
    OutputStream out = fd == 1 ? stdout : stderr;
    out.write(data);
    return data.length;
  }

  // ---- memory: the kernel's own view of the user page table ----

  private long allocPage() {
    if (nextFree + PGSIZE > PhysicalMemory.BASE + mem.size()) {
      throw new IllegalStateException("proxy kernel out of physical memory");
    }
    long pa = nextFree;
    nextFree += PGSIZE;
    mem.fill(pa, PGSIZE, (byte) 0);
    return pa;
  }

  private void mapSegment(ProgramHeader ph, byte[] elf) throws LoadException {
    long perm = PTE_U;
    if ((ph.flags() & Elf64.PF_R) != 0) perm |= PTE_R;
    if ((ph.flags() & Elf64.PF_W) != 0) perm |= PTE_W | PTE_R; // W without R is reserved in Sv39
    if ((ph.flags() & Elf64.PF_X) != 0) perm |= PTE_X;
    mapRange(pageRoundDown(ph.vaddr()), pageRoundUp(ph.vend()), perm);
    for (long i = 0; i < ph.filesz(); i++) {
      mem.write8(walk(ph.vaddr() + i, false), elf[(int) (ph.offset() + i)]);
    }
  }

  /** Maps [start, end) to fresh zeroed pages; a page already mapped keeps its frame, gains perm. */
  private void mapRange(long start, long end, long perm) throws LoadException {
    for (long va = start; va < end; va += PGSIZE) {
      long pteAddr = pteAddress(va, true);
      long pte = mem.read64(pteAddr);
      if ((pte & PTE_V) == 0) {
        if (nextFree + PGSIZE > PhysicalMemory.BASE + mem.size()) {
          throw new LoadException(
              "program needs more than the " + (mem.size() >> 20) + " MiB of RAM");
        }
        pte = ((allocPage() >>> 12) << 10) | PTE_V;
      }
      mem.write64(pteAddr, pte | perm);
    }
  }

  /** Address of the level-0 PTE for va, creating intermediate tables if asked; 0 if absent. */
  private long pteAddress(long va, boolean create) {
    long table = rootTable;
    for (int level = 2; level > 0; level--) {
      long pteAddr = table + ((va >>> (12 + 9 * level)) & 0x1ff) * 8;
      long pte = mem.read64(pteAddr);
      if ((pte & PTE_V) == 0) {
        if (!create) {
          return 0;
        }
        pte = ((allocPage() >>> 12) << 10) | PTE_V;
        mem.write64(pteAddr, pte);
      }
      table = ((pte >>> 10) & ((1L << 44) - 1)) << 12;
    }
    return table + ((va >>> 12) & 0x1ff) * 8;
  }

  /** Physical address of user byte va, or -1 if it is not mapped with U (and W if asked). */
  private long walk(long va, boolean needUser) {
    if (va < 0 || va >= MAXVA) {
      return -1;
    }
    long pteAddr = pteAddress(va, false);
    if (pteAddr == 0) {
      return -1;
    }
    long pte = mem.read64(pteAddr);
    if ((pte & PTE_V) == 0 || (needUser && (pte & (PTE_U | PTE_R)) != (PTE_U | PTE_R))) {
      return -1;
    }
    return (((pte >>> 10) & ((1L << 44) - 1)) << 12) | (va & (PGSIZE - 1));
  }

  /** Copies user memory at va into dst, as xv6's copyin: false if any byte is not readable. */
  private boolean copyin(byte[] dst, long va) {
    int done = 0;
    while (done < dst.length) {
      long pa = walk(va + done, true);
      if (pa < 0) {
        return false;
      }
      int n = (int) Math.min(dst.length - done, PGSIZE - ((va + done) & (PGSIZE - 1)));
      mem.read(pa, dst, done, n);
      done += n;
    }
    return true;
  }

  private void copyout(long va, byte[] src) {
    for (int i = 0; i < src.length; i++) {
      mem.write8(walk(va + i, false), src[i]);
    }
  }

  /** Lays out argv as xv6's exec does: strings, then the pointer array, sp 16-byte aligned. */
  private void pushArguments(long sp, List<String> args) {
    long[] ustack = new long[args.size() + 1];
    for (int i = 0; i < args.size(); i++) {
      byte[] s = (args.get(i) + "\0").getBytes(StandardCharsets.UTF_8);
      sp -= s.length;
      sp -= sp % 16;
      copyout(sp, s);
      ustack[i] = sp;
    }
    sp -= (long) ustack.length * 8;
    sp -= sp % 16;
    for (int i = 0; i < ustack.length; i++) {
      byte[] word = new byte[8];
      for (int b = 0; b < 8; b++) {
        word[b] = (byte) (ustack[i] >>> (8 * b));
      }
      copyout(sp + 8L * i, word);
    }
    hart.setX(2, sp); // sp
    hart.setX(10, args.size()); // a0 = argc
    hart.setX(11, sp); // a1 = argv
  }

  private static long pageRoundUp(long a) {
    return (a + PGSIZE - 1) & -PGSIZE;
  }

  private static long pageRoundDown(long a) {
    return a & -PGSIZE;
  }
}
