package xv6ckpt.harness.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;

/**
 * decoder-differential: the spec's decoder ({@link ImageCodec#decode}) and the kernel's validation,
 * as restore(23) runs it on the same bytes (the input, in {@link RestoreImages}'s forms, stored as
 * /img by {@link RestoreRig}), agree: both valid, or both invalid by the same rule at the same byte
 * offset.
 *
 * <p>The kernel's answer is read from the system call as it returns to user mode (the rig stops the
 * machine there): its console line {@code restore: RULE (code): ... (offset N)} for an image rule,
 * with the rule's code in a0 at the caller's next instruction, means invalid; any other outcome
 * (restored, or a refusal that comes after validation such as RESTORE_FILE_MISSING) means the
 * kernel found the image valid. Only verdicts are compared; what restore then does is
 * restore-image's business.
 */
public final class DecoderDifferentialTarget implements FuzzTarget {
  /** decoder-differential in the target table: the restore path instrumented. */
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "decoder-differential",
          DecoderDifferentialTarget::new,
          DecoderDifferentialFuzzer.class,
          RestoreImages.instrument(DecoderDifferentialTarget.class),
          List.of(),
          RestoreImages::describe,
          RestoreImages::expected,
          "xv6ckpt.harness.fuzz.DecoderDifferentialFuzzTest",
          "decoderDifferential");

  private static final Pattern LINE =
      Pattern.compile("restore: ([A-Z_]+) \\((-\\d+)\\): .*\\(offset (\\d+)\\)");
  private final RestoreRig rig = new RestoreRig();

  @Override
  public String name() {
    return ENTRY.name();
  }

  @Override
  public Verdict run(byte[] input) {
    try {
      byte[] file = RestoreRig.stored(RestoreImages.bytes(input));
      xv6ckpt.specs.Verdict spec = ImageCodec.decode(file);
      Machine.Outcome ran = rig.restore(file);
      return compare(spec, ran.equals(rig.returned()) ? kernelAnswer(rig.process()) : null);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, rig.m);
    }
  }

  /**
   * The kernel's verdict: the rule and offset its console line names, and whether the call returned
   * that rule's code to the caller's next instruction, as a refusal must.
   */
  private record Answer(Rule rule, long offset, boolean returned) {}

  /**
   * The kernel's verdict as restore returned to the caller: its refusal line for an image rule, or
   * null for "valid" (no such line: restored, or refused by a rule checked after validation). The
   * line decides, not a0: a restored image's registers are the image's.
   */
  private Answer kernelAnswer(Process p) {
    Matcher mt = LINE.matcher(rig.m.output());
    if (!mt.find()) {
      return null;
    }
    Rule r =
        Arrays.stream(Rule.values())
            .filter(x -> x.name().equals(mt.group(1)))
            .findFirst()
            .orElseThrow(
                () -> new IllegalStateException("restore printed unknown rule " + mt.group(1)));
    if (r.when() != Rule.When.IMAGE) {
      return null; // a refusal after validation (its detail may quote a fuzzed path)
    }
    long[] regs = rig.m.userRegisters(p);
    boolean returned = regs[10] == r.code() && regs[32] == rig.caller.regs().pc() + 4;
    return new Answer(r, Long.parseLong(mt.group(3)), returned);
  }

  private FuzzTarget.Verdict compare(xv6ckpt.specs.Verdict spec, Answer kernel) {
    if (rig.m.panicMessage().isPresent()) {
      return Verdicts.panicked(rig.m.panicMessage().get(), rig.m, "validating an image");
    }
    if (spec instanceof xv6ckpt.specs.Verdict.Valid) {
      if (kernel != null) {
        return fail("spec: valid; kernel: " + kernel.rule() + " at " + kernel.offset());
      }
      return new FuzzTarget.Verdict.Pass("both valid");
    }
    xv6ckpt.specs.Verdict.Invalid bad = (xv6ckpt.specs.Verdict.Invalid) spec;
    if (kernel != null && !kernel.returned()) {
      return fail(
          "kernel printed "
              + kernel.rule()
              + " but did not return its code "
              + kernel.rule().code()
              + " to the caller's next instruction");
    }
    if (kernel == null) {
      return fail(
          "spec: " + bad.rule() + " at " + bad.offset() + " (" + bad.detail() + "); kernel: valid");
    }
    if (kernel.rule() != bad.rule() || kernel.offset() != bad.offset()) {
      return fail(
          "spec: "
              + bad.rule()
              + " at "
              + bad.offset()
              + " ("
              + bad.detail()
              + "); kernel: "
              + kernel.rule()
              + " at "
              + kernel.offset());
    }
    return new FuzzTarget.Verdict.Pass("both " + bad.rule() + " at " + bad.offset());
  }

  private FuzzTarget.Verdict.Fail fail(String detail) {
    return new FuzzTarget.Verdict.Fail("verdict-mismatch", detail, rig.m.output(), "");
  }
}
