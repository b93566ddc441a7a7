package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CkSmokeTest {
  @Test
  void smoke() {
    UProg p = new UProg().str("path", "img");
    p.a.li(A0, 0).la(A1, "path");
    p.sys(Syscall.SYS_checkpoint);
    p.a.beqz(A0, "first").li(T6, 1).beq(A0, T6, "restored");
    p.sys(Syscall.SYS_exit);
    p.a.label("first").la(A0, "path");
    p.sys(Syscall.SYS_restore);
    p.sys(Syscall.SYS_exit);
    p.a.label("restored");
    p.exit(77);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    Machine.Outcome o = Machines.run(m, "prog");
    System.out.println(m.output());
    assertThat(o).isEqualTo(Machines.exited(77));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(before);
    System.out.println(m.log().maxCommitBlocks() + " commits " + m.log().commits());
  }
}
