package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The targets themselves: their harness does what it claims (the server issues the calls it is
 * given, patches reach the disk), inputs are judged deterministically, and wild pointers at every
 * kind of address are refused without breaking an invariant.
 */
class FuzzTargetsTest {

  /** Bytes of a syscall-args input: no fuzzed paths, the buffer, then the calls. */
  private static final class Calls {
    final ByteArrayOutputStream b = new ByteArrayOutputStream();

    Calls(byte[] buffer) {
      b.write(0);
      b.write(buffer.length & 0xff);
      b.write(buffer.length >> 8);
      b.writeBytes(buffer);
    }

    /** A call; each argument is a kind byte and its value bytes. */
    Calls call(int number, int[]... args) {
      b.write(number - 1);
      for (int i = 0; i < 6; i++) {
        int[] a = i < args.length ? args[i] : new int[] {0, 0};
        for (int x : a) {
          b.write(x);
        }
      }
      return this;
    }

    byte[] bytes() {
      return b.toByteArray();
    }
  }

  @Test
  void serverIssuesTheGivenCalls() {
    SyscallArgsTarget t = new SyscallArgsTarget();
    byte[] msg = "hello from the fuzzed server\n".getBytes(StandardCharsets.UTF_8);
    // write(1, BUF + 0, msg.length): kinds 0 (small), 2 (buffer offset, u16), 4 (length, u16)
    byte[] in =
        new Calls(msg)
            .call(
                Xv6Abi.SYS_write,
                new int[] {0, 1},
                new int[] {2, 0, 0},
                new int[] {4, msg.length, 0})
            .bytes();
    FuzzTarget.Verdict v = t.run(in);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(v.summary()).contains("1 call, server exit 0");
  }

  @Test
  void wildPointersAreRefusedWithoutBreakingInvariants() {
    SyscallArgsTarget t = new SyscallArgsTarget();
    Calls c = new Calls(new byte[] {1, 2, 3});
    for (int kind = 5; kind <= 12; kind++) {
      c.call(
          Xv6Abi.SYS_write,
          new int[] {0, 1},
          new int[] {kind, 7, 0, 0, 0, 0, 0, 0, 0},
          new int[] {4, 0, 16});
      c.call(
          Xv6Abi.SYS_read,
          new int[] {0, 0},
          new int[] {kind, 9, 0, 0, 0, 0, 0, 0, 0},
          new int[] {4, 0, 16});
      c.call(Xv6Abi.SYS_open, new int[] {kind, 3, 0, 0, 0, 0, 0, 0, 0}, new int[] {13, 7});
      c.call(Xv6Abi.SYS_pipe, new int[] {kind, 1, 0, 0, 0, 0, 0, 0, 0});
    }
    FuzzTarget.Verdict v = t.run(c.bytes());
    assertThat(v.summary()).contains("server exit 0");
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
  }

  @Test
  void forksAndSleepersAreCleanedUp() {
    SyscallArgsTarget t = new SyscallArgsTarget();
    // fork; fork; pipe(BUF); read(BUF's fd 3... ) blocks for ever in each copy
    byte[] in =
        new Calls(new byte[0])
            .call(Xv6Abi.SYS_fork)
            .call(Xv6Abi.SYS_fork)
            .call(Xv6Abi.SYS_pipe, new int[] {2, 0, 1})
            .call(Xv6Abi.SYS_read, new int[] {0, 3}, new int[] {2, 0, 2}, new int[] {4, 1, 0})
            .bytes();
    FuzzTarget.Verdict v = t.run(in);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(v.summary()).contains("killed the rest");
  }

  @Test
  void fsckIsSkippedOnlyWhenNoBlockWasWritten() {
    SyscallArgsTarget t = new SyscallArgsTarget();
    FuzzTarget.Verdict quiet = t.run(new Calls(new byte[0]).call(Xv6Abi.SYS_getpid).bytes());
    assertThat(quiet).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(quiet.summary()).contains("no block written");
    // mkdir(path slot 6, "new"): kind 3 picks a path slot; the new directory is committed
    FuzzTarget.Verdict wrote =
        t.run(new Calls(new byte[0]).call(Xv6Abi.SYS_mkdir, new int[] {3, 6}).bytes());
    assertThat(wrote).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(wrote.summary()).contains("server exit 0");
    assertThat(wrote.summary()).doesNotContain("no block written");
  }

  @Test
  void syscallArgsCampaignsInstrumentTheKernelNotTheEmulator() {
    FuzzTargets.Entry e = FuzzTargets.byName("syscall-args").orElseThrow();
    assertThat(e.instrument()).contains("xv6ckpt.kernel.**");
    assertThat(e.instrument()).contains("xv6ckpt.harness.**");
    assertThat(e.instrument()).doesNotContain("emulator");
  }

  @Test
  void verdictsAreDeterministicAcrossTargetObjects() {
    byte[] in = new byte[300];
    long x = 0x9E3779B97F4A7C15L;
    for (int i = 0; i < in.length; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      in[i] = (byte) x;
    }
    assertThat(new SyscallArgsTarget().run(in)).isEqualTo(new SyscallArgsTarget().run(in));
    assertThat(new FsImageTarget().run(in)).isEqualTo(new FsImageTarget().run(in));
  }

  @Test
  void cleanImageRunsTheWorkloadToTheEnd() {
    FuzzTarget.Verdict v = new FsImageTarget().run(new byte[0]);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(v.summary()).isEqualTo("0 patches, fsck clean; exit 0");
  }

  @Test
  void patchesReachTheDisk() {
    // One 16-byte patch of 0xff at the first inode block, offset 64 (inode 1, the root).
    byte[] in = new byte[5 + 16];
    in[4] = 15;
    for (int i = 5; i < in.length; i++) {
      in[i] = (byte) 0xff;
    }
    in[2] = 64;
    FuzzTarget.Verdict v = new FsImageTarget().run(in);
    assertThat(v.summary()).startsWith("1 patches, fsck: ");
  }

  /**
   * The table names each target's {@code @FuzzTest} by a string (a test-scope class); it must
   * resolve, carry the method, and be where harness/pom.xml puts the target's corpus for Jazzer's
   * regression mode ({@code <package path>/<Class>Inputs/<method>}), or the corpus would silently
   * not be replayed.
   */
  @Test
  void eachTargetsFuzzTestResolvesAndReplaysItsCorpus() throws Exception {
    String pom = Files.readString(Path.of("pom.xml")); // surefire runs in harness/
    for (FuzzTargets.Entry e : FuzzTargets.ALL) {
      Class<?> test = Class.forName(e.junitClass());
      Method m = test.getDeclaredMethod(e.junitMethod(), byte[].class);
      assertWithMessage("%s#%s is a @FuzzTest", e.junitClass(), e.junitMethod())
          .that(m.isAnnotationPresent(FuzzTest.class))
          .isTrue();
      String path = test.getName().replace('.', '/') + "Inputs/" + e.junitMethod();
      assertWithMessage("harness/pom.xml maps corpus/%s onto %s", e.name(), path)
          .that(pom)
          .contains(
              "<directory>${project.basedir}/../corpus/"
                  + e.name()
                  + "</directory>\n"
                  + "        <targetPath>"
                  + path
                  + "</targetPath>");
    }
  }

  /** The description of an input is the target's own decoding, in the words it always had. */
  @Test
  void inputsAreDescribedByTheTargetsOwnDecoding() throws IOException {
    byte[] write =
        new Calls("hi".getBytes(StandardCharsets.UTF_8))
            .call(Xv6Abi.SYS_write, new int[] {0, 1}, new int[] {2, 0, 0}, new int[] {4, 2, 0})
            .bytes();
    assertThat(SyscallArgsTarget.describe(write))
        .isEqualTo(
            "buffer: 2 bytes\n"
                + "call 0: write(0x1, 0x"
                + Long.toHexString(UserPrograms.BUF)
                + ", 0x2, 0x0, 0x0, 0x0)\n");
    byte[] patch = {7, 0, 64, 4, 1, (byte) 0xab, (byte) 0xcd};
    assertThat(FsImageTarget.describe(patch))
        .isEqualTo(
            "patch 0: block selector 7 " + "(first inode block + 7 mod span), offset 64: abcd\n");
    assertThat(FsImageTarget.describe(new byte[0])).isEqualTo("no patches: the clean image\n");
  }
}
