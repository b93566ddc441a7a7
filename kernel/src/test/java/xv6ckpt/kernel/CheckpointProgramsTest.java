package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/**
 * The C programs of kernel/user (built from their sources and committed in user/bin): ckpt,
 * restore, imginfo, and the two demos, on the kernel, across a reboot.
 */
class CheckpointProgramsTest {

  private static byte[] bin(String name) {
    try {
      return Files.readAllBytes(Path.of("user", "bin", name));
    } catch (IOException e) {
      throw new AssertionError("user program " + name + " (kernel/user/bin): " + e);
    }
  }

  private static MemoryBlockDevice disk(Map<String, byte[]> extra) {
    Map<String, byte[]> files = new HashMap<>(extra);
    for (String p : List.of("ckpt", "restore", "imginfo", "counter", "longcomp")) {
      files.put(p, bin(p));
    }
    return Ckpt.bigDisk(8000, files);
  }

  @Test
  void counterCheckpointsItselfAndARebootedRestoreCountsOnFromThere() {
    MemoryBlockDevice d = disk(Map.of());
    Machine m = Ckpt.runner(d, 16);
    Machines.spawn(m, "counter", "counter", "10", "c.img", "25");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    List<String> lines = m.output().lines().toList();
    assertThat(lines).hasSize(25);
    assertThat(lines.get(24)).isEqualTo("25 5525"); // 1^2 + ... + 25^2

    Machine rebooted = Ckpt.runner(d, 16);
    Machines.spawn(rebooted, "restore", "restore", "c.img");
    assertThat(Machines.finish(rebooted)).isEqualTo(Machines.exited(0));
    List<String> after = rebooted.output().lines().toList();
    assertThat(after.get(0)).isEqualTo("counter: restored at step 20");
    assertThat(after.subList(1, after.size())).isEqualTo(lines.subList(20, 25));
  }

  @Test
  void aLongComputationCheckpointedFromOutsideFinishesTheSameAfterReboot() {
    MemoryBlockDevice d = disk(Map.of());
    Machine m = Ckpt.runner(d, 16);
    Machines.spawn(m, "longcomp", "longcomp", "40000");
    assertThat(m.run(1_000_000)).isEqualTo(new Machine.Outcome.BudgetSpent());
    Machines.spawn(m, "ckpt", "ckpt", "2", "lc.img");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Exited(3, 0));
    String before = m.output();
    assertThat(before).startsWith("longcomp: pid 2\n");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    String whole = m.output();
    assertThat(whole).endsWith("longcomp: 4203 primes below 40000\n");
    String rest = whole.substring(before.length());
    assertThat(rest).contains("longcomp: 5/10\n"); // checkpointed half-way

    Machine rebooted = Ckpt.runner(d, 16);
    Machines.spawn(rebooted, "restore", "restore", "lc.img");
    assertThat(Machines.finish(rebooted)).isEqualTo(Machines.exited(0));
    assertThat(rebooted.output()).isEqualTo(rest);
  }

  @Test
  void imginfoValidatesInsideXv6AndNamesTheSameRulesAsTheKernel() {
    MemoryBlockDevice d0 = disk(Map.of());
    Machine m = Ckpt.runner(d0, 16);
    Machines.spawn(m, "counter", "counter", "5", "c.img", "5");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    byte[] good = Ckpt.read(m, "/c.img").orElseThrow();
    byte[] crc = good.clone();
    crc[5000] ^= 0x40;
    byte[] torn = java.util.Arrays.copyOf(good, good.length - 1);
    byte[] version = good.clone();
    version[8] = 2;

    Map<String, byte[]> files = new HashMap<>();
    files.put("good", good);
    files.put("crc", crc);
    files.put("torn", torn);
    files.put("version", version);
    MemoryBlockDevice d = disk(files);
    String[][] cases = {
      {"good", "valid"},
      {"crc", "invalid: CRC_MISMATCH (-15) at offset " + (good.length - 8)},
      {"torn", "invalid: COMMIT_MISSING (-12) at offset " + (torn.length - 32)},
      {"version", "invalid: HDR_VERSION (-11) at offset 8"},
      {"counter", "invalid: HDR_MAGIC (-10) at offset 0"}
    };
    for (String[] c : cases) {
      Machine n = Ckpt.runner(d, 16);
      Machines.spawn(n, "imginfo", "imginfo", c[0]);
      Machine.Outcome o = Machines.finish(n);
      String out = n.output();
      assertThat(out).contains(c[1]);
      assertThat(o).isEqualTo(Machines.exited(c[1].equals("valid") ? 0 : 1));
      // The kernel's restore names the same rule.
      byte[] file = files.containsKey(c[0]) ? files.get(c[0]) : bin(c[0]);
      CheckpointImage.Verdict v = CheckpointImage.check(file);
      if (v instanceof CheckpointImage.Invalid) {
        assertThat(c[1]).contains(((CheckpointImage.Invalid) v).rule());
      }
    }
    Machine n = Ckpt.runner(d, 16);
    Machines.spawn(n, "imginfo", "imginfo", "good");
    Machines.finish(n);
    assertThat(n.output()).contains("pid 2 name counter");
    assertThat(n.output()).contains("fd 0 console mode 3");
    assertThat(n.output()).contains("restart: none");
  }

  @Test
  void ckptAndRestoreReportRefusals() {
    Machine m = Ckpt.runner(disk(Map.of()), 16);
    Machines.spawn(m, "ckpt", "ckpt", "77", "x.img");
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(1));
    assertThat(m.output())
        .isEqualTo(
            "checkpoint: CKPT_NO_PROCESS (-2): pid 77 names no "
                + "process\nckpt: x.img: CKPT_NO_PROCESS (-2)\n");
    m.takeOutput();
    Machines.spawn(m, "restore", "restore", "x.img");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Exited(3, 1));
    assertThat(m.output())
        .isEqualTo(
            "restore: RESTORE_NO_FILE (-40): x.img is not a regular "
                + "file\nrestore: x.img: RESTORE_NO_FILE (-40)\n");
  }
}
