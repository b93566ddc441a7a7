package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;
import static xv6ckpt.kernel.Riscv.PTE_W;
import static xv6ckpt.kernel.Riscv.PTE_X;
import static xv6ckpt.kernel.Riscv.pgroundup;

import java.util.List;
import java.util.Optional;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;

/**
 * xv6's {@code exec.c}: replaces a process's memory with an ELF64 executable from the file system,
 * with every check xv6 makes: the magic; each program header read whole from the file; for PT_LOAD
 * segments memsz &ge; filesz, vaddr + memsz not overflowing, vaddr page aligned. Segments get the
 * permissions their flags give (R always, X and W as flagged, U). Then a stack of USERSTACK pages
 * above a guard page without PTE_U, holding the argument strings and the argv array. The old image
 * is freed only once the new one is complete: on any failure the process is untouched and exec
 * returns -1.
 */
final class Exec {
  private final Machine m;

  Exec(Machine m) {
    this.m = m;
  }

  private static long flags2perm(long flags) {
    long perm = 0;
    if ((flags & 0x1) != 0) {
      perm = PTE_X;
    }
    if ((flags & 0x2) != 0) {
      perm |= PTE_W;
    }
    return perm;
  }

  private static long le(byte[] b, int off, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  /**
   * Executes path (resolved from p's cwd) with arguments argv in process p.
   *
   * @return argc (the new program's a0), or -1 with p unchanged
   */
  int exec(Process p, byte[] path, List<byte[]> argv) {
    Fs fs = m.fs;
    m.beginOpNow();
    Optional<Inode> found = fs.namei(path, p.cwd);
    if (found.isEmpty()) {
      m.endOp();
      return -1;
    }
    Inode ip = found.get();
    fs.ilock(ip);
    Loaded image = loadImage(p, ip);
    fs.iunlockput(ip);
    m.endOp();
    if (image == null) {
      return -1;
    }
    return finish(p, image.pagetable(), image.sz(), image.entry(), path, argv);
  }

  /** A program loaded into a new page table of sz bytes, not yet the process's. */
  private record Loaded(long pagetable, long sz, long entry) {}

  /**
   * Reads the ELF header and loads every PT_LOAD segment into a new page table. Caller holds ip
   * locked, inside a transaction.
   *
   * @return the loaded program; null if the file is not a loadable executable or memory ran out
   *     (whatever was allocated is freed again)
   */
  private Loaded loadImage(Process p, Inode ip) {
    Fs fs = m.fs;
    byte[] eh = new byte[Elf64.EHDR_SIZE];
    // Check ELF header
    if (fs.readi(ip, ByteSink.of(eh), 0, 0, eh.length) != eh.length) {
      return null;
    }
    if ((int) le(eh, 0, 4) != Elf64.ELF_MAGIC) {
      return null;
    }
    long pagetable = m.proc.procPagetable(p);
    if (pagetable == 0) {
      return null;
    }
    long sz = 0;
    long entry = le(eh, 24, 8);
    long phoff = le(eh, 32, 8);
    int phnum = (int) le(eh, 56, 2);
    byte[] ph = new byte[Elf64.PHDR_SIZE];
    // Load program into memory.
    for (int i = 0; i < phnum; i++) {
      long off = phoff + (long) i * Elf64.PHDR_SIZE;
      if (off < 0 || fs.readi(ip, ByteSink.of(ph), 0, off, ph.length) != ph.length) {
        return unload(pagetable, sz);
      }
      if ((int) le(ph, 0, 4) != Elf64.PT_LOAD) {
        continue;
      }
      long flags = le(ph, 4, 4);
      long offset = le(ph, 8, 8);
      long vaddr = le(ph, 16, 8);
      long filesz = le(ph, 32, 8);
      long memsz = le(ph, 40, 8);
      if (Long.compareUnsigned(memsz, filesz) < 0) {
        return unload(pagetable, sz);
      }
      if (Long.compareUnsigned(vaddr + memsz, vaddr) < 0) {
        return unload(pagetable, sz);
      }
      if (vaddr % PGSIZE != 0) {
        return unload(pagetable, sz);
      }
      if (Long.compareUnsigned(vaddr + memsz, Riscv.TRAPFRAME) > 0) {
        return unload(pagetable, sz); // would reach the trapframe (xv6: uvmalloc fails first)
      }
      long sz1 = m.vm.uvmalloc(pagetable, sz, vaddr + memsz, flags2perm(flags));
      if (sz1 == 0) {
        return unload(pagetable, sz);
      }
      sz = sz1;
      if (loadseg(pagetable, vaddr, ip, offset, filesz) < 0) {
        return unload(pagetable, sz);
      }
    }
    return new Loaded(pagetable, sz, entry);
  }

  /** Frees a partly loaded page table of sz bytes; null, for loadImage's failures. */
  private Loaded unload(long pagetable, long sz) {
    m.proc.procFreepagetable(pagetable, sz);
    return null;
  }

  /**
   * Loads a program segment into pagetable at virtual address va, which must be page-aligned and
   * already mapped.
   *
   * @return 0 on success, -1 on failure
   */
  private int loadseg(long pagetable, long va, Inode ip, long offset, long sz) {
    ByteSink toRam =
        (pa, src, off, n) -> {
          m.mem.write(pa, src, off, n);
          return true;
        };
    for (long i = 0; i < sz; i += PGSIZE) {
      long pa = m.vm.walkaddr(pagetable, va + i);
      if (pa == 0) {
        return -1; // xv6 panics "loadseg: address should exist"; it cannot happen here
      }
      int n = (int) Math.min(sz - i, PGSIZE);
      if (offset + i < 0 || m.fs.readi(ip, toRam, pa, offset + i, n) != n) {
        return -1;
      }
    }
    return 0;
  }

  /** Builds the stack, then commits to the new image. @return argc, or -1 */
  private int finish(
      Process p, long pagetable, long sz, long entry, byte[] path, List<byte[]> argv) {
    // Allocate some pages at the next page boundary. Make the first inaccessible as a stack
    // guard. Use the rest as the user stack.
    sz = pgroundup(sz);
    long sz1 = m.vm.uvmalloc(pagetable, sz, sz + (Param.USERSTACK + 1) * PGSIZE, PTE_W);
    if (sz1 == 0) {
      return bad(pagetable, sz);
    }
    sz = sz1;
    m.vm.uvmclear(pagetable, sz - (Param.USERSTACK + 1) * PGSIZE);
    long sp = sz;
    long stackbase = sp - Param.USERSTACK * PGSIZE;
    // Push argument strings, prepare rest of stack in ustack.
    int argc = argv.size();
    if (argc >= Param.MAXARG) {
      return bad(pagetable, sz);
    }
    byte[] ustack = new byte[8 * (argc + 1)];
    for (int i = 0; i < argc; i++) {
      byte[] s = argv.get(i);
      sp -= s.length + 1;
      sp -= sp % 16; // riscv sp must be 16-byte aligned
      if (sp < stackbase) {
        return bad(pagetable, sz);
      }
      byte[] z = java.util.Arrays.copyOf(s, s.length + 1);
      if (m.vm.copyout(pagetable, 0, sp, z, 0, z.length) < 0) {
        return bad(pagetable, sz);
      }
      File.putLe(ustack, 8 * i, sp, 8);
    }
    // push a copy of ustack[], the array of argv[] pointers.
    sp -= ustack.length;
    sp -= sp % 16;
    if (sp < stackbase) {
      return bad(pagetable, sz);
    }
    if (m.vm.copyout(pagetable, 0, sp, ustack, 0, ustack.length) < 0) {
      return bad(pagetable, sz);
    }
    p.name = lastElement(path);
    // Commit to the user image.
    long oldpagetable = p.pagetable;
    long oldsz = p.sz;
    p.pagetable = pagetable;
    p.sz = sz;
    m.proc.setUserEntry(p, entry, sp, sp); // initial program counter = ulib.c:start(); a1 = argv
    m.proc.procFreepagetable(oldpagetable, oldsz);
    return argc; // this ends up in a0, the first argument to main(argc, argv)
  }

  /** The last path element, as xv6 saves it in p->name (at most 15 bytes). */
  private static String lastElement(byte[] path) {
    int last = 0;
    for (int i = 0; i < path.length; i++) {
      if (path[i] == '/') {
        last = i + 1;
      }
    }
    int len = Math.min(15, path.length - last);
    return new String(path, last, len, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** exec's failure after loading: frees the new page table; -1. */
  private int bad(long pagetable, long sz) {
    m.proc.procFreepagetable(pagetable, sz);
    return -1;
  }
}
