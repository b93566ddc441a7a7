package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;

import java.util.Arrays;

/**
 * xv6's {@code console.c}: the console device (major 1), with xv6's line discipline over an
 * input stream and an output sink.
 *
 * <p>Input arrives as bytes queued by the host ({@link Machine#consoleInput}); xv6 takes them
 * one interrupt at a time, this kernel when a reader finds no complete line: it passes queued
 * bytes through {@link #intr} (echo, backspace, ^U kill line, ^D end of file, ^P process
 * listing) until a line is complete or the queue is empty. That keeps runs deterministic and
 * makes scripted input look as if typed when the program asked for it. Once the host says the
 * input has ended, a reader that finds nothing gets end of file.
 */
public final class Console {
  static final int INPUT_BUF_SIZE = 128;
  private static final int BACKSPACE = 0x100;

  private static int ctrl(char x) {
    return x - '@';
  }

  private final Machine m;

  // The line buffer (xv6's struct cons).
  byte[] buf = new byte[INPUT_BUF_SIZE];
  int r; // read index
  int w; // write index
  int e; // edit index

  // Input the host has given and the line discipline has not yet taken.
  byte[] pending = new byte[0];
  int pendingPos;
  boolean endOfInput;

  Console(Machine m) {
    this.m = m;
  }

  /** A copy for a machine snapshot. */
  Console copy(Machine owner) {
    Console c = new Console(owner);
    c.buf = buf.clone();
    c.r = r;
    c.w = w;
    c.e = e;
    c.pending = Arrays.copyOfRange(pending, pendingPos, pending.length);
    c.endOfInput = endOfInput;
    return c;
  }

  /** Queues input bytes, as if typed; wakes readers. */
  void input(byte[] bytes) {
    byte[] rest = Arrays.copyOfRange(pending, pendingPos, pending.length + bytes.length);
    System.arraycopy(bytes, 0, rest, pending.length - pendingPos, bytes.length);
    pending = rest;
    pendingPos = 0;
    m.proc.wakeup(Chan.CONSOLE);
  }

  /** Declares that no more input will come: readers that find nothing get end of file. */
  void endInput() {
    endOfInput = true;
    m.proc.wakeup(Chan.CONSOLE);
  }

  boolean hasPendingInput() {
    return pendingPos < pending.length;
  }

  /** Feeds queued bytes to the line discipline until a line is ready or none are left. */
  private void feed() {
    while (r == w && pendingPos < pending.length) {
      intr(pending[pendingPos++] & 0xFF);
    }
  }

  /**
   * consoleread: copies (up to) a whole input line to user address dst; n is the size of the
   * user buffer.
   */
  SysResult read(Process p, long dst, int n) {
    long target = n;
    long done = p.restart instanceof Restart.Transfer ? ((Restart.Transfer) p.restart).done() : 0;
    byte[] one = new byte[1];
    while (done < target) {
      // wait until interrupt handler has put some input into cons.buffer.
      if (r == w) {
        feed();
      }
      if (r == w) {
        if (p.killed) {
          return SysResult.MINUS_ONE;
        }
        if (endOfInput) {
          break;
        }
        p.restart = new Restart.Transfer(done);
        return new SysResult.Block(Chan.CONSOLE);
      }
      int c = buf[Integer.remainderUnsigned(r++, INPUT_BUF_SIZE)] & 0xFF;
      if (c == ctrl('D')) { // end-of-file
        if (done > 0) {
          // Save ^D for next time, to make sure caller gets a 0-byte result.
          r--;
        }
        break;
      }
      one[0] = (byte) c; // copy the input byte to the user-space buffer.
      if (m.vm.copyout(p.pagetable, p.sz, dst + done, one, 0, 1) != 0) {
        break;
      }
      done++;
      if (c == '\n') {
        break; // a whole line has arrived, return to the user-level read().
      }
    }
    return SysResult.ret(done);
  }

  /** consolewrite: user write()s to the console go here. @return bytes written */
  int write(Process p, long src, int n) {
    byte[] chunk = m.scratch;
    int i = 0;
    while (i < n) {
      long va = src + i;
      int len = (int) Math.min(n - i, PGSIZE - Math.floorMod(va, PGSIZE));
      if (m.vm.copyin(p.pagetable, p.sz, chunk, 0, va, len) != 0) {
        break;
      }
      m.output(chunk, 0, len);
      i += len;
    }
    return i;
  }

  private void putc(int c) {
    if (c == BACKSPACE) {
      m.output(new byte[] {'\b', ' ', '\b'}, 0, 3); // overwrite with a space.
    } else {
      m.output(new byte[] {(byte) c}, 0, 1);
    }
  }

  /**
   * consoleintr: the console input interrupt handler, for one input character. Does erase/kill
   * processing, appends to the buffer, and wakes up consoleread() if a whole line has arrived.
   */
  void intr(int c) {
    if (c == ctrl('P')) { // Print process list.
      m.proc.procdump();
    } else if (c == ctrl('U')) { // Kill line.
      while (e != w && buf[Integer.remainderUnsigned(e - 1, INPUT_BUF_SIZE)] != '\n') {
        e--;
        putc(BACKSPACE);
      }
    } else if (c == ctrl('H') || c == 0x7f) { // Backspace or Delete key
      if (e != w) {
        e--;
        putc(BACKSPACE);
      }
    } else if (c != 0 && e - r < INPUT_BUF_SIZE) {
      c = (c == '\r') ? '\n' : c;
      putc(c); // echo back to the user.
      buf[Integer.remainderUnsigned(e++, INPUT_BUF_SIZE)] = (byte) c;
      if (c == '\n' || c == ctrl('D') || e - r == INPUT_BUF_SIZE) {
        // wake up consoleread() if a whole line (or end-of-file) has arrived.
        w = e;
        m.proc.wakeup(Chan.CONSOLE);
      }
    }
  }
}
