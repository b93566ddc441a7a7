package xv6ckpt.harness.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.kernel.fs.FileSystem;

/** {@code ls}: a directory of an image, as xv6's ls prints it. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "List a directory of an xv6 image, as xv6's ls does.",
      "List PATH (default /) in an xv6 image as xv6's ls does: name, type",
      "(1 dir, 2 file, 3 device), inode number, size. The image is not changed.",
    },
    footer = {"", "Exit status: 0 listed, 2 IMAGE unreadable or corrupt, or PATH missing."})
final class LsCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The fs.img.")
  String image;

  @Parameters(
      index = "1",
      paramLabel = "PATH",
      defaultValue = "/",
      description = "A directory or file in the image (default: ${DEFAULT-VALUE}).")
  String path;

  @Override
  public Integer call() {
    try (FsImage img = FsImage.open(image, false)) {
      FileSystem fs = img.mount();
      List<FileSystem.Entry> entries = img.call(() -> fs.list(path));
      for (FileSystem.Entry e : entries) {
        main.out.printf(
            "%-14s %d %d %d%n", e.name(), e.stat().type(), e.stat().ino(), e.stat().size());
      }
    }
    return Main.EXIT_OK;
  }
}
