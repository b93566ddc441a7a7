package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A7;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The seed corpus of restore-image and decoder-differential, by name: each seed image raw and in
 * the structured form, images the kernel wrote (a process that grows by sbrk then checkpoints
 * itself), and an image broken in each image rule (structured mutations of a seed, resealed; raw
 * edits for the rules before the CRC). {@code main(dir...)} writes them as files "seed-NAME" into
 * each directory given.
 */
public final class RestoreCorpus {
  private RestoreCorpus() {}

  public static void main(String[] args) throws IOException {
    Map<String, byte[]> all = entries();
    for (String dir : args) {
      Path d = Path.of(dir);
      Files.createDirectories(d);
      for (Map.Entry<String, byte[]> e : all.entrySet()) {
        Files.write(d.resolve("seed-" + e.getKey()), e.getValue());
      }
    }
  }

  /** Every seed input by name. */
  static Map<String, byte[]> entries() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (int i = 0; i < RestoreImages.SEEDS.size(); i++) {
      out.put("raw-" + i, RestoreImages.SEEDS.get(i));
      out.put("structured-" + i, new byte[] {(byte) RestoreImages.STRUCTURED, (byte) i});
    }
    for (int pages : new int[] {0, 1, 4}) {
      out.put("kernel-sbrk" + pages, kernelImage(pages));
    }
    byte[] s2 = RestoreImages.SEEDS.get(2);
    out.put("HDR_MAGIC", edit(s2, 0, 'Y'));
    out.put("COMMIT_MISSING", java.util.Arrays.copyOf(s2, s2.length - 5));
    out.put("COMMIT_LENGTH", edit(s2, s2.length - 24, 1));
    out.put("COMMIT_ID", edit(s2, s2.length - 16, 0x77));
    out.put("CRC_MISMATCH", edit(s2, 100, 0x55));
    out.put("HDR_VERSION", mutate(2, 8, 2));
    out.put("HDR_LENGTH", mutate(2, 12, 65));
    out.put("HDR_NFILES", mutate(2, 56, 17));
    out.put("HDR_NPAGES", mutate(2, 63, 0xff));
    out.put("IMAGE_LENGTH", mutate(2, 60, 5));
    out.put("RESERVED_NONZERO", mutate(2, 28, 1));
    out.put("HDR_PID", mutate(2, 24, 0, 25, 0, 26, 0, 27, 0));
    out.put("HDR_NAME", mutate(2, 47, 'x'));
    out.put("HDR_SZ", mutate(2, 55, 0xff));
    out.put("REGS_PC", mutate(2, 312, 1));
    out.put("RESTART_SYSCALL", mutate(2, 320, 1));
    out.put("RESTART_ARGS", mutate(1, 328, 1));
    out.put("RESTART_PROGRESS", mutate(1, 376, 1));
    out.put("FILE_FD", mutate(2, 384, 16));
    out.put("FILE_KIND", mutate(2, 388, 3));
    out.put("FILE_MODE", mutate(2, 392, 0));
    out.put("FILE_CONSOLE", mutate(2, 396, 1));
    out.put("FILE_INUM", mutate(2, 700, 0));
    out.put("FILE_PATH", mutate(2, 712, 'x'));
    out.put("PAGE_VA_ALIGNED", mutate(2, 992, 1));
    out.put("PAGE_VA_RANGE", mutate(2, 1010, 0x10));
    out.put("PAGE_ORDER", mutate(2, 1009, 0));
    out.put("PAGE_PERM", mutate(2, 1000, 0x20));
    out.put("RESTART_PC", mutate(3, 312, 12));
    out.put("RESTORE_FILE_INODE", mutate(2, 700, 9));
    out.put("RESTORE_FILE_OFFSET", mutate(2, 704, 0xff, 705, 0xff));
    return out;
  }

  private static byte[] edit(byte[] b, int off, int value) {
    byte[] c = b.clone();
    c[off] = (byte) value;
    return c;
  }

  /** The structured input: seed, then (u16 offset, u8 value) pairs. */
  private static byte[] mutate(int seed, int... offValue) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(RestoreImages.STRUCTURED);
    b.write(seed);
    for (int i = 0; i < offValue.length; i += 2) {
      b.write(offValue[i] & 0xff);
      b.write(offValue[i] >> 8);
      b.write(offValue[i + 1]);
    }
    return b.toByteArray();
  }

  /** The image the kernel writes of a process that grew by pages and checkpointed itself. */
  static byte[] kernelImage(int pages) {
    Assembler a = new Assembler(0);
    a.li(A0, pages * 4096L).li(A7, Xv6Abi.SYS_sbrk).ecall();
    a.li(A0, 0).li(A1, 0x200).li(A7, Xv6.SYS_checkpoint).ecall();
    a.li(A7, Xv6Abi.SYS_exit).ecall();
    byte[] code = a.assemble();
    byte[] seg = new byte[0x208];
    System.arraycopy(code, 0, seg, 0, code.length);
    seg[0x200] = '/';
    seg[0x201] = 'k';
    byte[] elf =
        new Elf64Writer()
            .segment(0, seg, 0x1000, Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X)
            .entry(0)
            .write();
    Machine m =
        Machines.runner(
            Disks.make(Disks.SMALL, List.of(new Mkfs.FileNode("c", elf))), Machines.FUZZ);
    try {
      m.spawn("/c", List.of("c"));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("corpus: /c does not start: " + e.getMessage(), e);
    }
    Machine.Outcome o = m.run(1_000_000);
    if (!(o instanceof Machine.Outcome.Exited)) {
      throw new IllegalStateException("corpus: /c did not exit: " + o + " " + m.output());
    }
    return Disks.readFile(m, "/k")
        .orElseThrow(() -> new IllegalStateException("corpus: no image written: " + m.output()));
  }
}
