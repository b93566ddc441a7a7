package xv6ckpt.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.kernel.fs.Fsck;

/** {@code fsck}: every violated file-system invariant of an image, one per line. */
@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description = {
      "Check every invariant of an xv6 image; print violations.",
      "Check every on-disk invariant of an xv6 file system image: superblock,",
      "log header, inodes, bitmap, directories, link counts. Prints each",
      "violation on one line naming the inode, block or directory entry. A",
      "committed log is not a violation: the image is then checked as mounting",
      "would leave it (a note on stderr says so). The image is not changed.",
    },
    footer = {
      "",
      "Exit status: 0 clean, 1 violations found, 2 IMAGE unreadable or not",
      "an xv6 file system."
    })
final class FsckCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The fs.img to check.")
  String image;

  @Override
  public Integer call() {
    Fsck.Report r;
    try (FsImage img = FsImage.open(image, false)) {
      r = Fsck.check(img.device);
    }
    if (r.violations().size() == 1 && r.violations().get(0).startsWith("superblock: bad magic")) {
      throw CliError.badInput(
          image
              + ": not an xv6 file system ("
              + r.violations().get(0).substring("superblock: ".length())
              + ")");
    }
    for (String n : r.notes()) {
      main.err.println("fsck: note: " + n);
    }
    for (String v : r.violations()) {
      main.out.println(v);
    }
    if (!r.clean()) {
      main.err.println("fsck: " + image + ": " + Main.plural(r.violations().size(), "violation"));
      return Main.EXIT_FINDING;
    }
    return Main.EXIT_OK;
  }
}
