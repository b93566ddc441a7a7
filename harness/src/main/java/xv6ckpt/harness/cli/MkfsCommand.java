package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.emulator.disk.DiskIoException;
import xv6ckpt.emulator.disk.FileBlockDevice;
import xv6ckpt.kernel.BuiltinImage;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;
import xv6ckpt.kernel.fs.Superblock;

/** {@code mkfs}: makes an xv6 file system image from host files and directories. */
@Command(
    name = "mkfs",
    mixinStandardHelpOptions = true,
    description = {
      "Make an xv6 file system image from host files and folders.",
      "Make an xv6 file system image OUT holding the HOSTPATHs: each file under",
      "its name in the root directory (a leading _ dropped, as stock mkfs does:",
      "_cat is stored as cat), each directory as a directory with its contents",
      "(in name order). With the default options the layout is stock xv6's",
      "(2000 blocks, 200 inodes, 30 log blocks): for a flat list of files the",
      "image is byte for byte what xv6's own mkfs writes, and xv6 mounts it.",
      "OUT is replaced only once the image is complete.",
    },
    footer = {
      "",
      "--bare: only the HOSTPATHs. Without it the built-in user-land (init, sh,",
      "the utilities, ktest, ckpt, restore, imginfo, the demos, README) is added",
      "to the root too; a HOSTPATH file of the same name replaces the built-in one.",
      "",
      "Exit status: 0 made; 2 bad options, a HOSTPATH unreadable or badly named",
      "(over 14 bytes, or twice in one directory), or the contents do not fit.",
    })
final class MkfsCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--bare", description = "Only the HOSTPATHs, no built-in user-land.")
  boolean bare;

  @Option(
      names = "--size",
      paramLabel = "BLOCKS",
      defaultValue = "" + Param.FSSIZE,
      description =
          "Blocks of " + FsFormat.BSIZE + " bytes in the image (default: " + "${DEFAULT-VALUE}).")
  long size;

  @Option(
      names = "--inodes",
      paramLabel = "N",
      defaultValue = "" + Param.NINODES,
      description = "Inodes (default: ${DEFAULT-VALUE}).")
  long inodes;

  @Option(
      names = "--log-blocks",
      paramLabel = "N",
      defaultValue = "" + Param.LOGBLOCKS,
      description =
          "Log blocks after the log header, "
              + Param.MAXOPBLOCKS
              + ".."
              + FsFormat.LOGHEADER_MAX
              + " (default: ${DEFAULT-VALUE}). A bigger log lets large"
              + " writes use fewer, bigger transactions.")
  int logBlocks;

  @Option(
      names = "--big-files",
      description =
          "Let files grow to 64 MiB through a doubly-indirect block (stock xv6 stops"
              + " at 268 KiB; it still mounts such an image and reads its smaller files).")
  boolean bigFiles;

  @Parameters(index = "0", paramLabel = "OUT", description = "The image to write.")
  String out;

  @Parameters(index = "1..*", paramLabel = "HOSTPATH", description = "Files and directories.")
  List<String> hostPaths = new ArrayList<>();

  @Override
  public Integer call() {
    List<Mkfs.Node> nodes = readInputs();
    Mkfs.Options options = new Mkfs.Options(size, inodes, logBlocks, bigFiles);
    if (size < 1 || size > 0xffffffffL) {
      throw CliError.badInput("--size must be between 1 and 4294967295 blocks, not " + size);
    }
    Path target = Path.of(out).toAbsolutePath();
    Path tmp = null;
    Mkfs.Result result;
    try {
      tmp = Files.createTempFile(target.getParent(), ".xv6ckpt-mkfs-", ".tmp");
      try (FileBlockDevice dev = FileBlockDevice.create(tmp, FsFormat.BSIZE, size)) {
        result = Mkfs.make(dev, options, nodes);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (MkfsException e) {
      GetCommand.deleteQuietly(tmp);
      throw CliError.badInput("mkfs: " + e.getMessage());
    } catch (IOException | DiskIoException e) {
      GetCommand.deleteQuietly(tmp);
      throw CliError.badInput(out + ": cannot write the image: " + e.getMessage());
    }
    report(result);
    return Main.EXIT_OK;
  }

  private List<Mkfs.Node> readInputs() {
    List<Mkfs.Node> nodes = new ArrayList<>();
    for (String h : hostPaths) {
      nodes.add(readInput(h));
    }
    if (!bare) {
      Set<String> given = new HashSet<>();
      nodes.forEach(n -> given.add(nodeName(n)));
      List<Mkfs.Node> all = new ArrayList<>();
      try {
        for (Mkfs.FileNode f : BuiltinImage.files()) {
          if (!given.contains(f.name())) {
            all.add(f);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      all.addAll(nodes);
      return all;
    }
    return nodes;
  }

  private static String nodeName(Mkfs.Node n) {
    return n instanceof Mkfs.FileNode f ? f.name() : ((Mkfs.DirNode) n).name();
  }

  private static Mkfs.Node readInput(String h) {
    try {
      Mkfs.Node n = Mkfs.fromHost(Path.of(h));
      if (n instanceof Mkfs.FileNode f && f.name().length() > 1 && f.name().startsWith("_")) {
        n = new Mkfs.FileNode(f.name().substring(1), f.data()); // stock mkfs: _cat is cat
      }
      return n;
    } catch (NoSuchFileException e) {
      throw CliError.badInput(h + ": no such file or directory");
    } catch (IOException e) {
      throw CliError.badInput(h + ": cannot read: " + e.getMessage());
    }
  }

  private void report(Mkfs.Result r) {
    Superblock sb = r.superblock();
    long ninodeblocks = sb.bmapstart() - sb.inodestart();
    long nbitmap = sb.dataStart() - sb.bmapstart();
    main.out.printf(
        "nmeta %d (boot, super, log blocks %d, inode blocks %d, bitmap blocks %d)"
            + " blocks %d total %d%n",
        sb.dataStart(), sb.nlog(), ninodeblocks, nbitmap, sb.nblocks(), sb.size());
    main.out.printf(
        "%d inodes and %d blocks in use%s%n",
        r.inodesUsed(),
        r.blocksUsed(),
        sb.hasDindirect() ? "; files up to 64 MiB (doubly-indirect blocks)" : "");
  }
}
