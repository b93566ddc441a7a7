package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to the guest-coverage demonstration: the toy kernel of {@link GuestMagicKernel},
 * its edges fed to Jazzer; a finding when the input reaches the kernel's {@code found}. Set the
 * system property {@code xv6ckpt.guestcov.feed=off} to run the same target blind (Jazzer's own
 * coverage only), for the comparison in the harness README.
 */
public final class GuestMagicFuzzer {
  private GuestMagicFuzzer() {}

  private static final class Holder {
    static final boolean FEED = !"off".equals(System.getProperty("xv6ckpt.guestcov.feed", "on"));
    static final GuestMagicKernel KERNEL =
        new GuestMagicKernel(FEED ? GuestCoverage.jazzer() : (edge, hitClass) -> {});
  }

  public static void fuzzerTestOneInput(byte[] input) {
    if (Holder.KERNEL.run(input)) {
      throw new IllegalStateException("the guest kernel reached found: the magic is in the input");
    }
    Holder.KERNEL.coverage.feed();
  }
}
