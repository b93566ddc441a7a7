package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * xv6's {@code console.c}: the console device (major 1), with xv6's line discipline over an input
 * stream and an output sink.
 *
 * <p>Input arrives as bytes queued by the host ({@link Machine#consoleInput}); xv6 takes them one
 * interrupt at a time, this kernel when a reader finds no complete line: it passes queued bytes
 * through {@link #intr} (echo, backspace, ^U kill line, ^D end of file, ^P process listing) until a
 * line is complete or the queue is empty. That keeps runs deterministic and makes scripted input
 * look as if typed when the program asked for it. Once the host says the input has ended, a reader
 * that finds nothing gets end of file.
 */
public final class Console {
  static final int INPUT_BUF_SIZE = 128;
  private static final int BACKSPACE = 0x100;

  private static int ctrl(char x) {
    return x - '@';
  }

  private final Machine m;

  /**
   * The input side: xv6's struct cons (the line buffer) and the host's queued input. A snapshot
   * copies it whole ({@link Input#copy}); the output below is not part of a snapshot.
   */
  Input in = new Input();

  // The output: everything written since the host last took it, and where it is echoed. It
  // outlives resets, as a terminal's scrollback outlives the machine it shows.
  private OutputStream echo = OutputStream.nullOutputStream();
  private byte[] out = new byte[4096];
  private int outLen;

  /** The console's input state, as one value that a snapshot copies whole. */
  static final class Input implements Cloneable {
    // The line buffer (xv6's struct cons).
    byte[] buf = new byte[INPUT_BUF_SIZE];
    int r; // read index
    int w; // write index
    int e; // edit index

    // Input the host has given and the line discipline has not yet taken.
    byte[] pending = new byte[0];
    int pendingPos;
    boolean endOfInput;

    /**
     * A deep copy: {@code clone} copies every field, so a field added here cannot be forgotten;
     * only the arrays need copying by hand (pending without the bytes already taken).
     */
    Input copy() {
      try {
        Input c = (Input) clone();
        c.buf = buf.clone();
        c.pending = Arrays.copyOfRange(pending, pendingPos, pending.length);
        c.pendingPos = 0;
        return c;
      } catch (CloneNotSupportedException ex) {
        throw new AssertionError(ex);
      }
    }
  }

  Console(Machine m) {
    this.m = m;
  }

  /** Queues input bytes, as if typed; wakes readers. */
  void input(byte[] bytes) {
    Input cons = in;
    int queued = cons.pending.length;
    byte[] rest = Arrays.copyOfRange(cons.pending, cons.pendingPos, queued + bytes.length);
    System.arraycopy(bytes, 0, rest, cons.pending.length - cons.pendingPos, bytes.length);
    cons.pending = rest;
    cons.pendingPos = 0;
    m.proc.wakeup(Chan.CONSOLE);
  }

  /** Declares that no more input will come: readers that find nothing get end of file. */
  void endInput() {
    in.endOfInput = true;
    m.proc.wakeup(Chan.CONSOLE);
  }

  boolean hasPendingInput() {
    return in.pendingPos < in.pending.length;
  }

  /** Feeds queued bytes to the line discipline until a line is ready or none are left. */
  private void feed() {
    Input cons = in;
    while (cons.r == cons.w && cons.pendingPos < cons.pending.length) {
      intr(cons.pending[cons.pendingPos++] & 0xFF);
    }
  }

  /**
   * consoleread: copies (up to) a whole input line to user address dst; n is the size of the user
   * buffer.
   */
  SysResult read(Process p, long dst, int n) {
    long target = n;
    long done = p.restart instanceof Restart.Transfer ? ((Restart.Transfer) p.restart).done() : 0;
    byte[] one = new byte[1];
    Input cons = in;
    while (done < target) {
      // wait until interrupt handler has put some input into cons.buffer.
      if (cons.r == cons.w) {
        feed();
      }
      if (cons.r == cons.w) {
        if (p.killed) {
          return SysResult.MINUS_ONE;
        }
        if (cons.endOfInput) {
          break;
        }
        p.restart = new Restart.Transfer(done);
        return new SysResult.Block(Chan.CONSOLE);
      }
      int ch = cons.buf[Integer.remainderUnsigned(cons.r++, INPUT_BUF_SIZE)] & 0xFF;
      if (ch == ctrl('D')) { // end-of-file
        if (done > 0) {
          // Save ^D for next time, to make sure caller gets a 0-byte result.
          cons.r--;
        }
        break;
      }
      one[0] = (byte) ch; // copy the input byte to the user-space buffer.
      if (m.vm.copyout(p.pagetable, p.sz, dst + done, one, 0, 1) != 0) {
        break;
      }
      done++;
      if (ch == '\n') {
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
      output(chunk, 0, len);
      i += len;
    }
    return i;
  }

  private void putc(int c) {
    if (c == BACKSPACE) {
      output(new byte[] {'\b', ' ', '\b'}, 0, 3); // overwrite with a space.
    } else {
      output(new byte[] {(byte) c}, 0, 1);
    }
  }

  /**
   * consoleintr: the console input interrupt handler, for one input character. Does erase/kill
   * processing, appends to the buffer, and wakes up consoleread() if a whole line has arrived.
   */
  void intr(int c) {
    Input cons = in;
    if (c == ctrl('P')) { // Print process list.
      m.proc.procdump();
    } else if (c == ctrl('U')) { // Kill line.
      while (cons.e != cons.w
          && cons.buf[Integer.remainderUnsigned(cons.e - 1, INPUT_BUF_SIZE)] != '\n') {
        cons.e--;
        putc(BACKSPACE);
      }
    } else if (c == ctrl('H') || c == 0x7f) { // Backspace or Delete key
      if (cons.e != cons.w) {
        cons.e--;
        putc(BACKSPACE);
      }
    } else if (c != 0 && cons.e - cons.r < INPUT_BUF_SIZE) {
      c = (c == '\r') ? '\n' : c;
      putc(c); // echo back to the user.
      cons.buf[Integer.remainderUnsigned(cons.e++, INPUT_BUF_SIZE)] = (byte) c;
      if (c == '\n' || c == ctrl('D') || cons.e - cons.r == INPUT_BUF_SIZE) {
        // wake up consoleread() if a whole line (or end-of-file) has arrived.
        cons.w = cons.e;
        m.proc.wakeup(Chan.CONSOLE);
      }
    }
  }

  // ---------------------------------------------------------------- output

  /** Also sends console output to this stream as it is produced. */
  void echoTo(OutputStream s) {
    this.echo = s;
  }

  /** Appends to the output and echoes it: the UART of this console. */
  void output(byte[] b, int off, int len) {
    if (outLen + len > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, outLen + len));
    }
    System.arraycopy(b, off, out, outLen, len);
    outLen += len;
    try {
      echo.write(b, off, len);
      echo.flush();
    } catch (IOException ex) {
      throw new UncheckedIOException("console output", ex);
    }
  }

  /** The kernel's printf: a line of kernel output (panics, refusals, usertrap). */
  void printf(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    output(b, 0, b.length);
  }

  /** Everything written since the last {@link #takeOutput}. */
  String output() {
    return new String(out, 0, outLen, StandardCharsets.UTF_8);
  }

  /** Returns and forgets the output so far. */
  String takeOutput() {
    String s = output();
    outLen = 0;
    return s;
  }
}
