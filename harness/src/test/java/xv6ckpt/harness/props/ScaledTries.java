package xv6ckpt.harness.props;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The one place the suite's budgets are scaled: every property class registers this hook
 * ({@code @AddLifecycleHook(ScaledTries.class)}), which multiplies the property's own {@code tries}
 * (its CI budget) by the system property {@value #SCALE} (default 1; the Maven profile {@code
 * nightly} sets 100) and fixes the seed to {@value #SEED} (default "20240601"), so a CI run is the
 * same run every time and a nightly run can pick another seed.
 *
 * <p>{@code @Property(tries = ...)} must be a compile-time constant, which is why the scaling
 * happens here, in jqwik's documented way of changing a property's attributes before it runs.
 */
public final class ScaledTries implements AroundPropertyHook {
  static final String SCALE = "xv6ckpt.tries.scale";
  static final String SEED = "xv6ckpt.seed";

  @Override
  public PropertyExecutionResult aroundProperty(
      PropertyLifecycleContext context, PropertyExecutor property) {
    // An @Example (no generated parameters) is one fixed case: running it again adds nothing.
    int scale = context.targetMethod().getParameterCount() == 0 ? 1 : scale();
    context.attributes().tries().ifPresent(t -> context.attributes().setTries(t * scale));
    if (context.attributes().seed().filter(x -> !x.isEmpty()).isEmpty()) {
      context.attributes().setSeed(System.getProperty(SEED, "20240601"));
    }
    return property.execute();
  }

  /** The factor from {@value #SCALE}; a bad value is an error, not silently 1. */
  static int scale() {
    String s = System.getProperty(SCALE, "1");
    try {
      int v = Integer.parseInt(s.trim());
      if (v < 1) {
        throw new IllegalArgumentException(SCALE + " must be at least 1, got " + s);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(SCALE + " is not a whole number: " + s, e);
    }
  }

  /** Registered on a class, the hook reaches every property in it. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public int aroundPropertyProximity() {
    return -100; // outside jqwik's own hooks, so the attributes are set before they are read
  }
}
