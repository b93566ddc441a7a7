package xv6ckpt.harness.ckpt;

import xv6ckpt.testkit.Xv6Abi;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;

import java.util.Map;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;

/**
 * Checkpoint transparency: a process checkpointed from outside after any number k of
 * instructions, the machine then thrown away, a new one booted on the same disk and the image
 * restored, prints the rest of what the uninterrupted run prints and exits with its status,
 * whether k found it computing, printing, growing its heap, or asleep.
 */
class TransparencyPropertyTest {

  /**
   * 150 rounds of: a hash step, a busy loop, one letter printed from the hash; every 8th round
   * sleep(1), every 16th round sbrk a page and store the hash in it. Exits with the hash's low
   * bits.
   */
  private static byte[] worker() {
    Prog p = new Prog();
    p.a.li(S1, 0).li(S2, 12345);
    p.a.label("round");
    p.a.li(T0, 6364136223846793005L).mul(S2, S2, T0).add(S2, S2, S1);
    p.a.li(T0, 100).label("busy").addi(T0, T0, -1).bnez(T0, "busy");
    p.a.srli(T1, S2, 59).addi(T1, T1, 'A').la(T0, "bss").sb(T1, 0, T0);
    p.a.li(A0, 1).la(A1, "bss").li(A2, 1);
    p.sys(Xv6Abi.SYS_write);
    p.a.andi(T0, S1, 7).bnez(T0, "nosleep").li(A0, 1);
    p.sys(Xv6Abi.SYS_sleep);
    p.a.label("nosleep").andi(T0, S1, 15).bnez(T0, "nogrow").li(A0, 4096).li(A1, 1);
    p.sys(Xv6Abi.SYS_sbrk);
    p.a.sd(S2, 0, A0);
    p.a.label("nogrow").addi(S1, S1, 1).li(T0, 150).blt(S1, T0, "round");
    p.a.andi(A0, S2, 0x7f);
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }

  /** checkpoint(2, "img"); exit with the result. */
  private static byte[] checkpointer() {
    Prog p = new Prog().str("path", "img");
    p.a.li(A0, 2);
    p.checkpoint("path");
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }

  /** restore("img"); exit with the code if it fails. */
  private static byte[] restorer() {
    Prog p = new Prog().str("path", "img");
    p.a.la(A0, "path");
    p.sys(Xv6Abi.SYS_restore);
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }

  private static final Map<String, byte[]> FILES = Map.of("worker", worker(), "ckpt",
      checkpointer(), "restore", restorer());

  private static Machine machine(MemoryBlockDevice d) {
    try {
      return Machine.runner(d, Machine.Config.defaults().withRam(16L << 20).withQuantum(3000));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  private static final String WHOLE;
  private static final Machine.Outcome END;

  static {
    Machine m = machine(Disks.disk(3000, FILES));
    Disks.spawn(m, "worker");
    END = Disks.finish(m);
    WHOLE = m.output();
  }

  @Property(tries = 30)
  void theRestoredProcessFinishesAsTheUninterruptedOne(
      @ForAll @LongRange(min = 1, max = 34_000) long k) {
    assertThat(END).isInstanceOf(Machine.Outcome.Exited.class);
    assertThat(WHOLE).hasLength(150);
    MemoryBlockDevice d = Disks.disk(3000, FILES);
    Machine m = machine(d);
    Disks.spawn(m, "worker");
    Machine.Outcome first = m.run(k);
    Assume.that(first instanceof Machine.Outcome.BudgetSpent);
    int before = m.output().length(); // printed before the checkpointer exists
    int ckpt = Disks.spawn(m, "ckpt");
    Machine.Outcome c = Disks.finish(m);
    // The worker may finish before the checkpointer runs (CKPT_NO_PROCESS): nothing to test.
    Assume.that(!c.equals(new Machine.Outcome.Exited(ckpt, -2)));
    assertThat(c).isEqualTo(new Machine.Outcome.Exited(ckpt, 0));
    String upToCheckpoint = m.output(); // may hold a few letters printed after it

    Machine rebooted = machine(d); // the first machine is thrown away
    Disks.spawn(rebooted, "restore");
    assertThat(Disks.finish(rebooted)).isEqualTo(END);
    String rest = rebooted.output();
    assertWithMessage("k = %s: the rest is the end of the whole", k).that(WHOLE).endsWith(rest);
    int cut = WHOLE.length() - rest.length();
    assertWithMessage("k = %s: checkpointed between the first machine's outputs", k)
        .that(cut).isAtLeast(before);
    assertWithMessage("k = %s", k).that(cut).isAtMost(upToCheckpoint.length());
    assertThat(WHOLE).startsWith(upToCheckpoint);
  }
}
