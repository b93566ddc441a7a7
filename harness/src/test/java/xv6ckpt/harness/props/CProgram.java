package xv6ckpt.harness.props;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.kernel.BuiltinImage;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * The project's C test programs (kernel/user, read from the kernel's built-in image) that the
 * transparency law runs: each ends by itself and deterministically, and each uses memory a
 * checkpoint must carry: counter its stack across printf calls, longcomp a malloc'd heap (sbrk), wc
 * and grep a static buffer filled by console reads they block in.
 *
 * <p>Only counter checkpoints itself (its checkpoint(0, FILE) every N steps); the others have no
 * checkpoint call in them, so another process checkpoints them (external mode), which is how
 * longcomp is meant to be used (README of kernel/user).
 *
 * <p>Input: wc and grep read the console; the harness feeds {@link #input} one line each time the
 * program waits for input, and then ends the input, so every run reads the same lines in the same
 * reads.
 */
enum CProgram {
  COUNTER(List.of("counter", "100", "/img", "12"), List.of(), true),
  LONGCOMP(List.of("longcomp", "2000"), List.of(), false),
  WC(List.of("wc"), Lines.TEXT, false),
  GREP(List.of("grep", "a.*b"), Lines.TEXT, false);

  /** Console input for the reading programs: words, blanks and lines grep matches or not. */
  private static final class Lines {
    static final List<String> TEXT =
        List.of(
            "hello abc world\n",
            "xab yy\n",
            "  nothing here  \n",
            "a\tb\n",
            "last line, a then b\n");
  }

  /** argv for the external mode (counter: N larger than its steps, so it never checkpoints). */
  final List<String> argv;

  final List<String> input;
  final boolean checkpointsItself;

  CProgram(List<String> argv, List<String> input, boolean checkpointsItself) {
    this.argv = argv;
    this.input = input;
    this.checkpointsItself = checkpointsItself;
  }

  String file() {
    return argv.get(0);
  }

  byte[] elf() {
    return Userland.bytes(file());
  }

  /** The binaries of the built-in image, read once (an immutable table; copies handed out). */
  private static final class Userland {
    static final Map<String, byte[]> FILES = load();

    static byte[] bytes(String name) {
      byte[] b = FILES.get(name);
      if (b == null) {
        throw new AssertionError("the built-in image has no " + name + ": " + FILES.keySet());
      }
      return b.clone();
    }

    private static Map<String, byte[]> load() {
      try {
        Map<String, byte[]> out = new HashMap<>();
        for (Mkfs.FileNode f : BuiltinImage.files()) {
          out.put(f.name(), f.data());
        }
        return Map.copyOf(out);
      } catch (IOException e) {
        throw new AssertionError("cannot read the built-in image", e);
      }
    }
  }

  /** counter with its checkpoint call made to return 1 without a call; where that call is. */
  record Standin(byte[] elf, long callVa) {}

  // usys.S's checkpoint stub, "li a7, 22; ecall" as the compiler emits it (c.li, then ecall).
  private static final byte[] CKPT_STUB = {(byte) 0xd9, 0x48, 0x73, 0x00, 0x00, 0x00};
  // addi a0, zero, 1: as long as the ecall, so every address stays where it was.
  private static final byte[] LI_A0_1 = {0x13, 0x05, 0x10, 0x00};

  /**
   * The stand-in for a self-checkpointing run of {@code elf}: the same program with its checkpoint
   * stub's ecall replaced by {@code li a0, 1}, which is all the restored process sees of the call.
   * Run uninterrupted, it takes the path a restored process takes.
   */
  static Standin standin(byte[] elf) {
    int at = indexOf(elf, CKPT_STUB);
    if (at < 0 || indexOf(Arrays.copyOfRange(elf, at + 1, elf.length), CKPT_STUB) >= 0) {
      throw new AssertionError("want exactly one checkpoint stub (li a7, 22; ecall) in the ELF");
    }
    int ecall = at + 2;
    byte[] out = elf.clone();
    System.arraycopy(LI_A0_1, 0, out, ecall, LI_A0_1.length);
    return new Standin(out, vaOf(elf, ecall));
  }

  private static int indexOf(byte[] b, byte[] pattern) {
    for (int i = 0; i + pattern.length <= b.length; i++) {
      if (Arrays.equals(b, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    return -1;
  }

  /** The virtual address file offset off is loaded at. */
  private static long vaOf(byte[] elf, int off) {
    try {
      for (Elf64.ProgramHeader ph : Elf64.parse(elf, Long.MAX_VALUE).loadSegments()) {
        if (off >= ph.offset() && off < ph.offset() + ph.filesz()) {
          return ph.vaddr() + off - ph.offset();
        }
      }
    } catch (Elf64.ElfException e) {
      throw new AssertionError("not an ELF: " + e.getMessage(), e);
    }
    throw new AssertionError("offset " + off + " is in no loadable segment");
  }
}
