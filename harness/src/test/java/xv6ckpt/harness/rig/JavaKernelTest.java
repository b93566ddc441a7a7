package xv6ckpt.harness.rig;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.testkit.UserProgram;

/** The Java kernel seen through the same boundary as a C kernel. */
class JavaKernelTest {
  @Test
  void reportsEachReturningCallInTheProcesssAddressSpace() {
    UserProgram p = new UserProgram(UserProgram.KERNEL_TESTS);
    p.a.li(A7, SYS_getpid).ecall().li(A0, 7).li(A7, SYS_dup).ecall();
    p.a.li(A0, 0).li(A7, SYS_exit).ecall();
    MemoryBlockDevice disk = Disks.make(Disks.SMALL, List.of(new Mkfs.FileNode("t", p.elf())));
    Machine m = Machines.runner(disk, Machines.FUZZ);
    int pid = Machines.spawn(m, "/t");
    long space = m.proc().byPid(pid).map(Process::pagetable).orElseThrow();
    JavaKernel k = new JavaKernel(m);

    KernelUnderTest.Event first = k.run(1_000_000);
    assertThat(first).isInstanceOf(KernelUnderTest.Event.Returned.class);
    KernelUnderTest.Event.Returned r = (KernelUnderTest.Event.Returned) first;
    assertThat(List.of(r.space(), r.number(), r.result())).containsExactly(space, 11L, (long) pid);
    assertThat(k.userRegisters()[10]).isEqualTo(pid);
    KernelUnderTest.Event.Returned dup = (KernelUnderTest.Event.Returned) k.run(1_000_000);
    assertThat(List.of(dup.number(), dup.result())).containsExactly((long) SYS_dup, -1L);
    assertThat(k.freePages()).isEqualTo(java.util.OptionalInt.of(m.kalloc().freePages()));
    assertThat(k.identity()).isEqualTo(KernelIdentity.JAVA);
  }
}
