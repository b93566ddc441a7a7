package xv6ckpt.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;
import xv6ckpt.kernel.fs.Stat;

/**
 * The built-in file system image: the project's user-land ({@code kernel/user/bin}: init, sh, the
 * utilities, ktest) and a README, packed by the Java mkfs with stock xv6's layout. The build makes
 * it ({@link #main}, run by Maven after compiling) into the resource {@link #RESOURCE}; {@code
 * boot} and {@code run} use a fresh copy of it when no image is given.
 */
public final class BuiltinImage {
  private BuiltinImage() {}

  /** Where the build puts the image among the kernel's classes. */
  public static final String RESOURCE = "/xv6ckpt/kernel/fs.img";

  static final String README =
      "xv6-ckpt: xv6 (RISC-V) in Java with process checkpoint and restore.\n";

  /** The image's bytes, if this build has one. */
  public static Optional<byte[]> load() throws IOException {
    try (InputStream in = BuiltinImage.class.getResourceAsStream(RESOURCE)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    }
  }

  /**
   * The files of the built-in image's root directory (the user-land and README), read back from the
   * image, for a mkfs that adds them to an image of its own; empty in a build with no user-land.
   */
  public static List<Mkfs.FileNode> files() throws IOException {
    Optional<byte[]> image = load();
    if (image.isEmpty()) {
      return List.of();
    }
    try {
      FileSystem fs = FileSystem.mount(new MemoryBlockDevice(FsFormat.BSIZE, image.get()));
      List<Mkfs.FileNode> files = new ArrayList<>();
      for (FileSystem.Entry e : fs.list("/")) {
        if (e.stat().type() == Stat.T_FILE) {
          files.add(new Mkfs.FileNode(e.name(), fs.readFile("/" + e.name())));
        }
      }
      return files;
    } catch (FsException | KernelPanic e) {
      throw new IllegalStateException(
          "the built-in image does not read back: " + e.getMessage(), e);
    }
  }

  /** Packs README and every file of {@code binDir} (by name order) into a stock-layout image. */
  public static byte[] make(Path binDir) throws IOException, MkfsException {
    List<Mkfs.Node> nodes = new ArrayList<>();
    nodes.add(new Mkfs.FileNode("README", README.getBytes(StandardCharsets.UTF_8)));
    try (Stream<Path> files = Files.list(binDir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        nodes.add(new Mkfs.FileNode(f.getFileName().toString(), Files.readAllBytes(f)));
      }
    }
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), nodes);
    return d.contents();
  }

  /**
   * Build step: {@code BuiltinImage BIN_DIR OUT}. Without BIN_DIR (a tree with no user-land) it
   * says so and writes nothing; any other failure fails the build.
   */
  public static void main(String[] args) throws IOException, MkfsException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: BuiltinImage BIN_DIR OUT");
    }
    Path bin = Path.of(args[0]);
    if (!Files.isDirectory(bin)) {
      System.err.println("BuiltinImage: no " + bin + ", so no built-in image");
      return;
    }
    Path out = Path.of(args[1]);
    Files.createDirectories(out.getParent());
    Files.write(out, make(bin));
  }
}
