package xv6ckpt.harness.props;

import xv6ckpt.testkit.UserProgram;

/**
 * ModelConformanceTest's name for {@code new UserProgram(UserProgram.PAGED_BSS)}, kept only
 * until that test is moved onto the test kit directly (its rewrite is under way). New code uses
 * {@link UserProgram}.
 */
final class Prog extends UserProgram {
  Prog() {
    super(PAGED_BSS);
  }
}
