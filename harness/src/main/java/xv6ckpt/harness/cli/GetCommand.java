package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code get}: copies a file out of an image to the host. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a file of an xv6 image to the host.",
      "Copy the file PATH of an xv6 image to HOSTFILE (replaced if it exists,",
      "once the whole file has been read). The image is not changed.",
    },
    footer = {
      "",
      "Exit status: 0 copied, 2 IMAGE unreadable or corrupt, PATH missing or",
      "a directory, HOSTFILE not writable."
    })
final class GetCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The fs.img.")
  String image;

  @Parameters(index = "1", paramLabel = "PATH", description = "A file in the image.")
  String path;

  @Parameters(index = "2", paramLabel = "HOSTFILE", description = "Where to write it.")
  String hostFile;

  @Override
  public Integer call() {
    byte[] data;
    try (FsImage img = FsImage.open(image, false)) {
      data = img.call(() -> img.mount().readFile(path));
    }
    Path out = Path.of(hostFile).toAbsolutePath();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(out.getParent(), ".xv6ckpt-get-", ".tmp");
      Files.write(tmp, data);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw CliError.badInput(hostFile + ": cannot write: " + e.getMessage());
    }
    return Main.EXIT_OK;
  }

  static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the temporary file is left behind; the real error is reported by the caller
    }
  }
}
