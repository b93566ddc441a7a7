package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code put}: copies a host file into an image, through the image's own log. */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a host file into an xv6 image, through its log.",
      "Copy HOSTFILE into an xv6 image as PATH (created, or emptied and",
      "rewritten if it exists). The image is changed in place the way xv6",
      "changes it: through the log, one transaction for the create and one per",
      "chunk of data, so an interrupted put leaves a consistent file system",
      "holding a prefix of the file.",
    },
    footer = {
      "",
      "Exit status: 0 copied; 2 HOSTFILE or IMAGE unreadable, IMAGE corrupt,",
      "PATH's directory missing, PATH a directory, or the image full."
    })
final class PutCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The fs.img, changed in place.")
  String image;

  @Parameters(index = "1", paramLabel = "HOSTFILE", description = "The file to copy in.")
  String hostFile;

  @Parameters(index = "2", paramLabel = "PATH", description = "Its path in the image.")
  String path;

  @Override
  public Integer call() {
    byte[] data;
    try {
      data = Files.readAllBytes(Path.of(hostFile));
    } catch (NoSuchFileException e) {
      throw CliError.badInput(hostFile + ": no such file");
    } catch (IOException e) {
      throw CliError.badInput(hostFile + ": cannot read: " + e.getMessage());
    }
    try (FsImage img = FsImage.open(image, true)) {
      img.call(
          () -> {
            img.mount().writeFile(path, data);
            return null;
          });
    }
    return Main.EXIT_OK;
  }
}
