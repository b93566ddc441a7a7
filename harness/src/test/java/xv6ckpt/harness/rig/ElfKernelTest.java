package xv6ckpt.harness.rig;

import static com.google.common.truth.Truth.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.harness.rig.KernelUnderTest.Event;

/** The ELF kernel under test, observed at the boundary of a {@link ToyKernel}. */
class ElfKernelTest {

  static ElfKernel boot(long kmemSize) throws Exception {
    byte[] elf = ToyKernel.elf(kmemSize);
    SystemMachine.Config c = new SystemMachine.Config(1 << 20, 1, 0, 10_000);
    return new ElfKernel(KernelIdentity.ofElf("toy", elf), elf, new MemoryBlockDevice(1024, 16), c);
  }

  static long word(ElfKernel k, long va) {
    byte[][] mem = UserPages.userBytes(k.memory(), ToyKernel.ROOT);
    return ByteBuffer.wrap(mem[0]).order(ByteOrder.LITTLE_ENDIAN).getLong((int) va);
  }

  /** Every event up to the panic, with the free pages counted after each. */
  static List<Object> events(ElfKernel k) {
    List<Object> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Event e = k.run(100_000);
      seen.add(e);
      seen.add(k.freePages());
      if (!(e instanceof Event.Returned)) break;
    }
    return seen;
  }

  @Test
  void reportsEachCallsNumberAndResultInItsAddressSpaceThenThePanic() throws Exception {
    ElfKernel k = boot(32);
    assertThat(k.freePages().getAsInt()).isEqualTo(ToyKernel.FREE_PAGES);
    ElfKernel.Snapshot snap = k.snapshot();
    UserPages.write(k.memory(), ToyKernel.ROOT, ToyKernel.ARG, le(42));
    List<Object> first = events(k);

    long root = ToyKernel.ROOT, free = ToyKernel.FREE;
    assertThat(first.get(0)).isEqualTo(new Event.Returned(root, 1, 142, 12));
    assertThat(first.get(2)).isEqualTo(new Event.Returned(root, 3, free, 24));
    assertThat(first.get(3).toString()).isEqualTo("OptionalInt[2]");
    assertThat(first.get(4)).isEqualTo(new Event.Returned(root, 3, free + 4096, 36));
    assertThat(first.get(5).toString()).isEqualTo("OptionalInt[1]");
    assertThat(first.get(6)).isEqualTo(new Event.Panicked("panic: boom"));
    assertThat(word(k, ToyKernel.RESULT1)).isEqualTo(142);
    assertThat(word(k, ToyKernel.RESULT3)).isEqualTo(free);
    assertThat(k.console()).isEqualTo("panic: boom\n");

    k.reset(snap); // the machine, the console and the calls in flight as they were
    assertThat(k.console()).isEmpty();
    assertThat(k.freePages().getAsInt()).isEqualTo(ToyKernel.FREE_PAGES);
    UserPages.write(k.memory(), ToyKernel.ROOT, ToyKernel.ARG, le(42));
    assertThat(events(k)).isEqualTo(first);
  }

  /**
   * After a reset, the free list is counted by following only the links in pages written since (the
   * rest is the snapshot's list): the count must equal the whole walk's however the pages were
   * written. Here the kernel side writes them, as a run of the kernel would.
   */
  @Test
  void countingFromTheSnapshotsListEqualsTheWholeWalk() throws Exception {
    ElfKernel k = boot(32);
    ElfKernel.Snapshot snap = k.snapshot();
    long head = ToyKernel.KMEM + ElfKernel.FREELIST_OFFSET;
    long second = ToyKernel.FREE + 4096, third = ToyKernel.FREE + 8192;
    long[] expected = {3, 3, 2, 4, 1};
    for (int scene = 0; scene < expected.length; scene++) {
      k.reset(snap);
      switch (scene) {
        case 0 -> {} // nothing written
        case 1 -> k.memory().write64(third + 100, 7); // a later page written, its link kept
        case 2 -> k.memory().write64(second, 0); // the list cut after its second page
        case 3 -> { // a page pushed on the head
          k.memory().write64(ToyKernel.USER + 4096 * 3, k.memory().read64(head));
          k.memory().write64(head, ToyKernel.USER + 4096 * 3);
        }
        default -> k.memory().write64(head, third); // two pages popped
      }
      assertThat(k.walkWholeFreeList().getAsInt()).isEqualTo(expected[scene]);
      assertThat(k.freePages().getAsInt()).isEqualTo(expected[scene]);
    }
    // A link into a page that is in no list of the snapshot, and is not written: the whole walk.
    k.reset(snap);
    k.memory().write64(head, ToyKernel.USER + 4096 * 5);
    assertThat(k.freePages()).isEqualTo(k.walkWholeFreeList());
  }

  @Test
  void countsCallsWhoseReturnIsNotSeenAndASnapshotKeepsThemAndTheRegisters() throws Exception {
    ElfKernel k = boot(32);
    UserPages.write(k.memory(), ToyKernel.ROOT, ToyKernel.ARG, le(42));
    assertThat(k.run(100_000)).isInstanceOf(Event.Returned.class); // call 1 returned 142
    ElfKernel.Snapshot atReturn = k.snapshot();
    long[] regs = k.userRegisters();
    assertThat(k.unreturned(1)).isEqualTo(0);
    events(k); // two calls 3 return; call 4 panics in the kernel and never returns
    assertThat(k.unreturned(3)).isEqualTo(0);
    assertThat(k.unreturned(4)).isEqualTo(1);
    assertThat(k.unreturned(-1)).isEqualTo(0);

    k.reset(atReturn);
    assertThat(k.unreturned(4)).isEqualTo(0);
    assertThat(k.userRegisters())
        .isEqualTo(regs); // as the return a snapshot was taken at left them
    assertThat(regs[10]).isEqualTo(142);
  }

  static ElfKernel bootForking(boolean report, int yield) throws Exception {
    byte[] elf = ToyForkKernel.elf(yield);
    SystemMachine.Config c = new SystemMachine.Config(1 << 20, 1, 0, 10_000);
    ElfKernel k =
        new ElfKernel(
            KernelIdentity.ofElf("toy-fork", elf), elf, new MemoryBlockDevice(1024, 16), c);
    k.reportForkChildren(report);
    return k;
  }

  @Test
  void aForkedChildsFirstReturnIsReportedAsItsForkReturningZero() throws Exception {
    ElfKernel k = bootForking(true, 5);
    long fork = ToyForkKernel.user(5).address("fork");
    long yield = ToyForkKernel.user(5).address("yield");
    long parent = ToyForkKernel.ROOT, child = ToyForkKernel.ROOT2;
    assertThat(k.run(100_000)).isEqualTo(new Event.Returned(parent, 1, 2, fork + 4));
    assertThat(k.forkParent()).isEqualTo(-1);
    assertThat(k.ranAlone()).isTrue(); // nothing crossed the boundary between its ecall and return
    assertThat(k.run(100_000)).isEqualTo(new Event.Returned(child, 1, 0, fork + 4));
    assertThat(k.forkParent()).isEqualTo(parent);
    long[] regs = k.userRegisters(); // the parent's at the fork, but a0
    assertThat(regs[9]).isEqualTo(0x5151);
    assertThat(regs[18]).isEqualTo(-7);
    assertThat(regs[17]).isEqualTo(1);
    assertThat(regs[10]).isEqualTo(0);
    assertThat(k.run(100_000)).isEqualTo(new Event.Returned(child, 5, 0, yield + 4));
    assertThat(k.forkParent()).isEqualTo(-1);
    assertThat(k.run(100_000)).isEqualTo(new Event.Panicked("panic: boom"));
    assertThat(k.unreturned(5)).isEqualTo(1); // the parent's yield: it never runs again
  }

  /**
   * Not reported: any first return when reporting is off, and with it on a return past a fork's
   * ecall with a0 = 0 whose other registers are not the parent's at the fork (call 6 clears s1).
   */
  @Test
  void aReturnIsAForkChildsOnlyWhenAskedAndWithTheParentsRegisters() throws Exception {
    for (int[] c : new int[][] {{0, 5}, {1, 6}}) {
      ElfKernel k = bootForking(c[0] == 1, c[1]);
      long fork = ToyForkKernel.user(c[1]).address("fork");
      long yield = ToyForkKernel.user(c[1]).address("yield");
      assertThat(k.run(100_000)).isEqualTo(new Event.Returned(ToyForkKernel.ROOT, 1, 2, fork + 4));
      assertThat(k.run(100_000))
          .isEqualTo(new Event.Returned(ToyForkKernel.ROOT2, c[1], 0, yield + 4));
      assertThat(k.run(100_000)).isEqualTo(new Event.Panicked("panic: boom"));
    }
  }

  /**
   * Two processes that forked in the same state (a fork bomb) leave two candidates for a child: the
   * one whose fork returned the child's own pid (from xv6's proc table) is its parent; without that
   * pid, a fork that has returned first (session 14: kernel-differential lost 1-2 of 256 births).
   */
  @Test
  void aChildIsMatchedToTheForkThatReturnedItsPid() {
    long[] regs = new long[32];
    regs[8] = 0x2010;
    regs[17] = 1;
    long pc = 0x100;
    java.util.List<ElfKernel.Unborn> unborn =
        java.util.List.of(
            new ElfKernel.Unborn(0xa000, pc, regs, true, 7),
            new ElfKernel.Unborn(0xb000, pc, regs, true, 8),
            new ElfKernel.Unborn(0xc000, pc, regs, false, -1));
    long child = 0xd000;
    assertThat(
            ElfKernel.choose(unborn, child, pc + 4, regs, OptionalInt.of(8), OptionalLong.empty()))
        .isEqualTo(1);
    assertThat(
            ElfKernel.choose(unborn, child, pc + 4, regs, OptionalInt.of(7), OptionalLong.empty()))
        .isEqualTo(0);
    assertThat(
            ElfKernel.choose(
                unborn, child, pc + 4, regs, OptionalInt.empty(), OptionalLong.empty()))
        .isEqualTo(0);
    // pid 9: not the forks that returned 7 and 8; the one in flight, or its parent's by the table
    assertThat(
            ElfKernel.choose(unborn, child, pc + 4, regs, OptionalInt.of(9), OptionalLong.empty()))
        .isEqualTo(2);
    java.util.List<ElfKernel.Unborn> two = new java.util.ArrayList<>(unborn);
    two.add(new ElfKernel.Unborn(0xe000, pc, regs, false, -1));
    assertThat(
            ElfKernel.choose(two, child, pc + 4, regs, OptionalInt.of(9), OptionalLong.of(0xe000)))
        .isEqualTo(3);
    assertThat(
            ElfKernel.choose(unborn, child, pc + 8, regs, OptionalInt.of(8), OptionalLong.empty()))
        .isEqualTo(-1);
  }

  @Test
  void freePagesAreUnknownWithoutXv6sKmem() throws Exception {
    ElfKernel none = boot(0);
    assertThat(none.freePages().isPresent()).isFalse();
    assertThat(none.freePagesUnknown().get()).contains("names no kmem");
    ElfKernel other = boot(16);
    assertThat(other.freePages().isPresent()).isFalse();
    assertThat(other.freePagesUnknown().get()).contains("kmem is 16 bytes");
  }

  @Test
  void aFreeListThatLeavesRamIsUnknownNotCounted() throws Exception {
    ElfKernel k = boot(32);
    k.memory().write64(ToyKernel.FREE + 4096, 0x1234_5000L); // the second link, outside RAM
    assertThat(k.freePages().isPresent()).isFalse();
    k.memory().write64(ToyKernel.FREE + 4096, ToyKernel.FREE); // a cycle
    assertThat(k.freePages().isPresent()).isFalse();
    assertThat(k.freePagesUnknown().get()).contains("not a list");
  }

  @Test
  void identityIsTheElfsSha256() throws Exception {
    assertThat(boot(32).identity().sha256()).isEqualTo(KernelIdentity.sha256(ToyKernel.elf(32)));
    assertThat(boot(32).identity().sha256()).isNotEqualTo(boot(16).identity().sha256());
    assertThat(KernelIdentity.sha256(new byte[0]))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  private static byte[] le(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }
}
