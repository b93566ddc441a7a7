package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.*;

import java.nio.charset.StandardCharsets;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.system.SystemMachine;

/**
 * A toy M-mode kernel ELF (with symbols) whose guest code compares its input against a 5-byte
 * magic, one byte per branch, each failing branch going to the same label; reaching {@code found}
 * is the "bug". No Java code branches on the input bytes (they are copied into guest RAM), so only
 * guest coverage can lead a fuzzer through the chain. One machine per instance, reset per
 * execution.
 */
final class GuestMagicKernel {
  static final long CODE = PhysicalMemory.BASE;
  static final long INPUT = CODE + 0x1_0000; // length at INPUT - 8, then the bytes
  static final int MAX_INPUT = 64;
  static final byte[] MAGIC = "CKPT\u0017".getBytes(StandardCharsets.ISO_8859_1);
  private static final int WFI = 0x1050_0073;

  final byte[] elf;
  final SystemMachine machine;
  final GuestCoverage coverage;
  private final SystemMachine.Snapshot start;

  GuestMagicKernel(GuestCoverage.Sink sink) {
    elf = elf();
    machine = new SystemMachine(new SystemMachine.Config(1 << 20, 1, 1, 10_000));
    try {
      machine.loadKernel(elf, 0);
      coverage = GuestCoverage.forKernel(elf, sink);
    } catch (ElfException e) {
      throw new IllegalStateException("the toy kernel's own ELF: " + e.getMessage(), e);
    }
    coverage.attach(machine);
    start = machine.snapshot();
  }

  /** Runs the kernel on {@code input} (at most 64 bytes are seen); true if it reached found. */
  boolean run(byte[] input) {
    machine.reset(start);
    int n = Math.min(input.length, MAX_INPUT);
    machine.memory().write64(INPUT - 8, n);
    machine.memory().write(INPUT, input, 0, n);
    if (machine.run(100_000) != SystemMachine.Stop.IDLE) {
      throw new IllegalStateException("toy kernel did not reach its wfi");
    }
    return machine.hart(0).hart().x(A0) == 1;
  }

  static byte[] elf() {
    Assembler a = new Assembler(CODE);
    a.label("_entry").li(S0, INPUT).ld(S1, -8, S0).call("scan").call("check_magic");
    a.beq(A0, ZERO, "idle").call("found");
    a.label("idle").raw32(WFI).j("idle");
    long entryEnd = a.pc();
    // scan: counts input bytes with the top bit set (a loop, so translations are exercised)
    a.label("scan").li(T3, 0).mv(T4, S0).add(T5, S0, S1);
    a.label("scan_loop").bgeu(T4, T5, "scan_done");
    a.lbu(T1, 0, T4).li(T2, 0x80).bltu(T1, T2, "scan_small").addi(T3, T3, 1);
    a.label("scan_small").addi(T4, T4, 1).j("scan_loop");
    a.label("scan_done").ret();
    long scanEnd = a.pc();
    // check_magic: a0 = 1 if the input starts with MAGIC
    a.label("check_magic").li(T0, MAGIC.length).blt(S1, T0, "no");
    for (int i = 0; i < MAGIC.length; i++) {
      a.lbu(T1, i, S0).li(T2, MAGIC[i] & 0xff).bne(T1, T2, "no");
    }
    a.li(A0, 1).ret();
    a.label("no").li(A0, 0).ret();
    long checkEnd = a.pc();
    a.label("found").li(A0, 1).ret();
    long foundEnd = a.pc();
    byte[] text = a.assemble();
    return new Elf64Writer()
        .segment(CODE, text, Elf64Writer.PF_R | Elf64Writer.PF_X)
        .entry(CODE)
        .symbol("_entry", CODE, entryEnd - CODE, Elf64Writer.STT_FUNC)
        .symbol("scan", a.address("scan"), scanEnd - a.address("scan"), Elf64Writer.STT_FUNC)
        .symbol(
            "check_magic",
            a.address("check_magic"),
            checkEnd - a.address("check_magic"),
            Elf64Writer.STT_FUNC)
        .symbol("found", a.address("found"), foundEnd - a.address("found"), Elf64Writer.STT_FUNC)
        .write();
  }
}
