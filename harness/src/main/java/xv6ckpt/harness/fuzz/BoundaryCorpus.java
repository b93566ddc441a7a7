package xv6ckpt.harness.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The boundary seeds of restore-image and decoder-differential: one input of the field-wise form
 * ({@link FieldEdits}) per field and candidate value (0, all ones, each bound -1, at, +1),
 * resealed, and one per way of breaking the commit record over a changed body. Named {@code
 * bound-SEED-FIELD-VALUE}, e.g. {@code bound-guarded-header.sz-TRAPFRAME+1}. Deterministic: the
 * same seeds and layout give the same files.
 *
 * <p>{@code main(dir...)} writes them into each directory given (run from the repository root:
 * {@code java -cp ... xv6ckpt.harness.fuzz.BoundaryCorpus corpus/restore-image
 * corpus/decoder-differential}); {@code RestoreTargetsTest} checks that the committed files are
 * exactly these.
 */
public final class BoundaryCorpus {
  private BoundaryCorpus() {}

  public static void main(String[] args) throws IOException {
    Map<String, byte[]> all = entries();
    for (String dir : args) {
      Path d = Path.of(dir);
      Files.createDirectories(d);
      for (Map.Entry<String, byte[]> e : all.entrySet()) {
        Files.write(d.resolve(e.getKey()), e.getValue());
      }
    }
  }

  /** The seeds (index into RestoreImages.SEEDS, a name) and which of their fields to vary. */
  private record Scene(int seed, String name, Predicate<String> fields) {}

  private static final List<Scene> SCENES =
      List.of(
          // Four file records (console, console, file, file) and four pages, one without PTE_U.
          new Scene(
              2,
              "guarded",
              f ->
                  f.startsWith("header.")
                      || f.equals("regs.pc")
                      || f.startsWith("file0.")
                      || f.startsWith("file2.")
                      || f.equals("file1.fd")
                      || f.startsWith("page0.")
                      || f.equals("page1.va")
                      || f.equals("page3.va")
                      || f.startsWith("commit.")),
          // Blocked in read (n = a2) and in sleep (n = a0): the restart record and its registers.
          new Scene(
              3,
              "read",
              f ->
                  f.startsWith("restart.")
                      || f.equals("regs.pc")
                      || f.equals("regs.x10")
                      || f.equals("regs.x12")
                      || f.equals("regs.x17")),
          new Scene(4, "sleep", f -> f.equals("restart.progress") || f.equals("regs.x10")));

  /** Every boundary input by file name, without two that make the same image. */
  static Map<String, byte[]> entries() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    Set<ByteBuffer> images = new HashSet<>();
    for (Scene s : SCENES) {
      List<FieldEdits.Slot> slots = FieldEdits.SLOTS.get(s.seed());
      for (int i = 0; i < slots.size(); i++) {
        FieldEdits.Slot slot = slots.get(i);
        if (!s.fields().test(slot.name())) {
          continue;
        }
        for (int k = 0; k < slot.candidates().size(); k++) {
          byte[] in = input(s.seed(), FieldEdits.Seal.RESEAL.ordinal(), i, k);
          String name = s.name() + "-" + slot.name() + "-" + slot.candidates().get(k).name();
          add(out, images, name, in);
        }
      }
    }
    // A changed body (x1 = 0) under each broken commit record, and the stale one.
    int x1 = slotIndex(2, "regs.x1");
    int seals = FieldEdits.Seal.CRC_FLIP.ordinal();
    for (int seal = FieldEdits.Seal.STALE.ordinal(); seal < seals; seal++) {
      String name = FieldEdits.Seal.values()[seal].name().toLowerCase(java.util.Locale.ROOT);
      add(out, images, "guarded-seal-" + name, input(2, seal, x1, 0));
    }
    for (int bit : new int[] {0, 15, 16, 31}) {
      add(out, images, "guarded-seal-crc_flip" + bit, input(2, seals + bit, x1, 0));
    }
    return out;
  }

  private static void add(Map<String, byte[]> out, Set<ByteBuffer> seen, String name, byte[] in) {
    if (seen.add(ByteBuffer.wrap(RestoreImages.bytes(in)))) {
      out.put("bound-" + name, in);
    }
  }

  private static int slotIndex(int seed, String name) {
    List<FieldEdits.Slot> slots = FieldEdits.SLOTS.get(seed);
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("no field " + name + " in seed " + seed);
  }

  /** The field-wise input: seed, seal, one edit (slot, candidate). */
  private static byte[] input(int seed, int seal, int slot, int candidate) {
    return new byte[] {
      (byte) FieldEdits.FIELDWISE, (byte) seed, (byte) seal, (byte) slot, (byte) candidate
    };
  }
}
