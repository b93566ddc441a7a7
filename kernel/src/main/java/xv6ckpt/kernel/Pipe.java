package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;

/**
 * xv6's {@code pipe.c}: a pipe of PIPESIZE bytes between two open files. The ring buffer lives in a
 * page of emulated RAM taken from {@link Kalloc} (as xv6 kallocs the struct pipe), so pipes count
 * in the free-page figure and their contents are part of a RAM snapshot.
 *
 * <p>nread and nwrite count bytes ever read and written (unsigned 32-bit, wrapping, as xv6's uint);
 * the buffer is full when nwrite == nread + PIPESIZE. A writer that finds it full blocks with the
 * bytes it already moved kept as {@link Restart.Transfer}.
 */
public final class Pipe {
  public static final int PIPESIZE = 512;

  private final Machine m;
  final long id; // names the pipe's sleep channels
  final long pa; // the RAM page holding the data
  int nread; // number of bytes read
  int nwrite; // number of bytes written
  boolean readopen; // read fd is still open
  boolean writeopen; // write fd is still open

  Pipe(Machine m, long id, long pa) {
    this.m = m;
    this.id = id;
    this.pa = pa;
    this.readopen = true;
    this.writeopen = true;
  }

  /** A copy for a machine snapshot (the data itself is in RAM). */
  Pipe copy(Machine owner) {
    Pipe c = new Pipe(owner, id, pa);
    c.nread = nread;
    c.nwrite = nwrite;
    c.readopen = readopen;
    c.writeopen = writeopen;
    return c;
  }

  /** Closes one end; the page is freed when both are closed. */
  void close(boolean writable) {
    if (writable) {
      writeopen = false;
      m.proc.wakeup(Chan.pipeRead(id));
    } else {
      readopen = false;
      m.proc.wakeup(Chan.pipeWrite(id));
    }
    if (!readopen && !writeopen) {
      m.kalloc.kfree(pa);
    }
  }

  private int used() {
    return nwrite - nread;
  }

  /** pipewrite: writes n bytes from user address addr; blocks while the pipe is full. */
  SysResult write(Process p, long addr, int n) {
    long i = p.restart instanceof Restart.Transfer ? ((Restart.Transfer) p.restart).done() : 0;
    byte[] chunkBuf = m.scratch;
    while (i < n) {
      if (!readopen || p.killed) {
        return SysResult.MINUS_ONE;
      }
      if (used() == PIPESIZE) { // pipewrite-full
        m.proc.wakeup(Chan.pipeRead(id));
        p.restart = new Restart.Transfer(i);
        return new SysResult.Block(Chan.pipeWrite(id));
      }
      int ring = Integer.remainderUnsigned(nwrite, PIPESIZE);
      long va = addr + i;
      int chunk = (int) Math.min(n - i, PIPESIZE - used());
      chunk = Math.min(chunk, PIPESIZE - ring);
      chunk = (int) Math.min(chunk, PGSIZE - Math.floorMod(va, PGSIZE));
      if (m.vm.copyin(p.pagetable, p.sz, chunkBuf, 0, va, chunk) != 0) {
        break;
      }
      m.mem.write(pa + ring, chunkBuf, 0, chunk);
      nwrite += chunk;
      i += chunk;
    }
    m.proc.wakeup(Chan.pipeRead(id));
    return SysResult.ret(i);
  }

  /** piperead: reads up to n bytes into user address addr; blocks while empty and open. */
  SysResult read(Process p, long addr, int n) {
    if (used() == 0 && writeopen) { // pipe-empty
      if (p.killed) {
        return SysResult.MINUS_ONE;
      }
      return new SysResult.Block(Chan.pipeRead(id));
    }
    byte[] chunkBuf = m.scratch;
    int i = 0;
    while (i < n && used() > 0) { // piperead-copy
      int ring = Integer.remainderUnsigned(nread, PIPESIZE);
      long va = addr + i;
      int chunk = Math.min(n - i, used());
      chunk = Math.min(chunk, PIPESIZE - ring);
      chunk = (int) Math.min(chunk, PGSIZE - Math.floorMod(va, PGSIZE));
      m.mem.read(pa + ring, chunkBuf, 0, chunk);
      if (m.vm.copyout(p.pagetable, p.sz, va, chunkBuf, 0, chunk) != 0) {
        if (i == 0) {
          i = -1;
        }
        break;
      }
      nread += chunk;
      i += chunk;
    }
    m.proc.wakeup(Chan.pipeWrite(id)); // piperead-wakeup
    return SysResult.ret(i);
  }
}
