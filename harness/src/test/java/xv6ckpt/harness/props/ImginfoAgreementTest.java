package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;

/**
 * imginfo, the C validator that runs inside xv6 (kernel/user/imginfo.c), against the spec's
 * decoder: the same verdict, rule and offset for a valid image, for each image rule broken alone,
 * and for seeded random damage.
 */
class ImginfoAgreementTest {

  @Test
  void imginfoNamesTheSpecsRuleAtTheSpecsOffset() throws Exception {
    byte[] good = ImageCodec.encode(SpecImages.image(0xabcdef, 2, 0));
    Map<String, byte[]> images = new TreeMap<>();
    images.put("good", good);
    int k = 0;
    for (Map.Entry<Rule, UnaryOperator<byte[]>> e : SpecImagesRestoreTest.breakers().entrySet()) {
      images.put("r" + k++, e.getValue().apply(good));
    }
    Random rnd = new Random(20251125); // seeded: the same damage every run
    for (int i = 0; i < 40; i++) {
      byte[] b = good.clone();
      int at = rnd.nextInt(i % 2 == 0 ? 1100 : b.length);
      b[at] = (byte) rnd.nextInt(256);
      images.put("d" + i, i % 3 == 2 ? b : ImageCodec.resealed(b));
    }
    Map<String, byte[]> files = new TreeMap<>(images);
    files.put("imginfo", Files.readAllBytes(Path.of("..", "kernel", "user", "bin", "imginfo")));
    Machine m = Machines.runner(Disks.withFiles(8000, files), Machines.LARGE);
    for (Map.Entry<String, byte[]> e : images.entrySet()) {
      m.takeOutput();
      int pid = Machines.spawn(m, "imginfo", e.getKey());
      Machine.Outcome o = Machines.finish(m, Machines.LONG_RUN);
      String out = m.output();
      Verdict v = ImageCodec.decode(e.getValue());
      if (v instanceof Verdict.Invalid bad) {
        String want =
            "invalid: "
                + bad.rule()
                + " ("
                + bad.rule().code()
                + ") at offset "
                + bad.offset()
                + ":";
        assertWithMessage("%s: %s", e.getKey(), bad).that(out).contains(want);
        assertWithMessage("%s", e.getKey()).that(o).isEqualTo(new Machine.Outcome.Exited(pid, 1));
      } else {
        assertWithMessage("%s", e.getKey()).that(out).endsWith("valid\n");
        assertWithMessage("%s", e.getKey()).that(o).isEqualTo(new Machine.Outcome.Exited(pid, 0));
      }
    }
  }
}
