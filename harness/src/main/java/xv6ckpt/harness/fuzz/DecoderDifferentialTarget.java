package xv6ckpt.harness.fuzz;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;

/**
 * decoder-differential: the spec's decoder ({@link ImageCodec#decode}) and the kernel's
 * validation, as restore(23) runs it on the same bytes (the input, in {@link RestoreImages}'s
 * forms, stored as /img by {@link RestoreRig}), agree: both valid, or both invalid by the same
 * rule at the same byte offset.
 *
 * <p>The kernel's answer is read from the system call as it returns to user mode (the rig stops
 * the machine there): an image rule's code (-10..-38) in a0 with its console line {@code restore: RULE (code): ... (offset N)} means invalid; any other
 * outcome (restored, or a refusal that comes after validation such as RESTORE_FILE_MISSING)
 * means the kernel found the image valid. Only verdicts are compared; what restore then does is
 * restore-image's business.
 */
public final class DecoderDifferentialTarget implements FuzzTarget {
  private static final Pattern LINE =
      Pattern.compile("restore: ([A-Z_]+) \\((-\\d+)\\): .*\\(offset (\\d+)\\)");
  private final RestoreRig rig = new RestoreRig();

  @Override
  public String name() {
    return "decoder-differential";
  }

  @Override
  public Verdict run(byte[] input) {
    try {
      byte[] file = RestoreRig.stored(RestoreImages.bytes(input));
      xv6ckpt.specs.Verdict spec = ImageCodec.decode(file);
      Machine.Outcome ran = rig.restore(file);
      return compare(spec, ran.equals(rig.returned()) ? kernelAnswer(rig.process()) : null);
    } catch (RuntimeException | StackOverflowError e) {
      return TestMachines.escaped(e, rig.m);
    }
  }

  /** The kernel's verdict: a rule and offset, or null for "valid". */
  private record Answer(Rule rule, long offset) {}

  /**
   * The kernel's verdict from the caller as the restore call returned (a refusal leaves it at
   * the instruction after its ecall with the code in a0), or null for "valid".
   */
  private Answer kernelAnswer(Process p) {
    long[] regs = rig.m.userRegisters(p);
    long pc = regs[32];
    long a0 = regs[10];
    if (pc != rig.caller.regs().pc() + 4 || a0 > Rule.HDR_MAGIC.code()
        || a0 < Rule.RESTART_PC.code()) {
      return null;
    }
    Matcher mt = LINE.matcher(rig.m.output());
    Rule r = Arrays.stream(Rule.values()).filter(x -> x.code() == a0).findFirst()
        .orElseThrow(() -> new IllegalStateException("no rule has code " + a0));
    long off = mt.find() ? Long.parseLong(mt.group(3)) : -1;
    return new Answer(r, off);
  }

  private FuzzTarget.Verdict compare(xv6ckpt.specs.Verdict spec, Answer kernel) {
    if (rig.m.panicMessage().isPresent()) {
      return TestMachines.panicked(rig.m.panicMessage().get(), rig.m, "validating an image");
    }
    if (spec instanceof xv6ckpt.specs.Verdict.Valid) {
      if (kernel != null) {
        return fail("spec: valid; kernel: " + kernel.rule() + " at " + kernel.offset());
      }
      return new FuzzTarget.Verdict.Pass("both valid");
    }
    xv6ckpt.specs.Verdict.Invalid bad = (xv6ckpt.specs.Verdict.Invalid) spec;
    if (kernel == null) {
      return fail("spec: " + bad.rule() + " at " + bad.offset() + " (" + bad.detail()
          + "); kernel: valid");
    }
    if (kernel.rule() != bad.rule() || kernel.offset() != bad.offset()) {
      return fail("spec: " + bad.rule() + " at " + bad.offset() + " (" + bad.detail()
          + "); kernel: " + kernel.rule() + " at " + kernel.offset());
    }
    return new FuzzTarget.Verdict.Pass("both " + bad.rule() + " at " + bad.offset());
  }

  private FuzzTarget.Verdict.Fail fail(String detail) {
    return new FuzzTarget.Verdict.Fail("verdict-mismatch", detail, rig.m.output(), "");
  }
}
