package xv6ckpt.harness.spec;

import static com.google.common.truth.Truth.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.kernel.CheckpointImage;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Xv6;

/**
 * The spec writes out the xv6 constants it rests on instead of importing them (it must not share
 * code with the kernel); here, where both are visible, they must agree.
 */
class SpecConstantsTest {
  @Test
  void theSpecsXv6FactsAreTheKernels() {
    assertThat(Xv6.NOFILE).isEqualTo(Param.NOFILE);
    assertThat(Xv6.MAXPATH).isEqualTo(Param.MAXPATH);
    assertThat(Xv6.T_DIR).isEqualTo(Stat.T_DIR);
    assertThat(Xv6.T_FILE).isEqualTo(Stat.T_FILE);
    assertThat(Xv6.T_DEVICE).isEqualTo(Stat.T_DEVICE);
    assertThat(Xv6.PGSIZE).isEqualTo(PhysicalMemory.PGSIZE);
  }

  /** The kernel copies the rule codes (it must not depend on specs): every one must agree. */
  @Test
  void theKernelsRuleCodesAreTheSpecs() throws IllegalAccessException {
    List<String> kernelRules = new ArrayList<>();
    for (Field f : CheckpointImage.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        kernelRules.add(f.getName());
      }
    }
    List<String> specRules = new ArrayList<>();
    for (Rule r : Rule.values()) {
      specRules.add(r.name());
      try {
        assertThat(CheckpointImage.class.getField(r.name()).getInt(null)).isEqualTo(r.code());
      } catch (NoSuchFieldException e) {
        throw new AssertionError("the kernel has no constant for rule " + r, e);
      }
      assertThat(CheckpointImage.ruleName(r.code())).isEqualTo(r.name());
    }
    assertThat(kernelRules).containsExactlyElementsIn(specRules);
  }
}
