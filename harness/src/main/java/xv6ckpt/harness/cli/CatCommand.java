package xv6ckpt.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code cat}: a file of an image, byte for byte, to stdout. */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    description = {
      "Write a file of an xv6 image to stdout.",
      "The file PATH, byte for byte. The image is not changed."
    },
    footer = {
      "",
      "Exit status: 0 done, 2 IMAGE unreadable or corrupt, PATH missing or",
      "a directory."
    })
final class CatCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The fs.img.")
  String image;

  @Parameters(index = "1", paramLabel = "PATH", description = "A file in the image.")
  String path;

  @Override
  public Integer call() {
    try (FsImage img = FsImage.open(image, false)) {
      byte[] data = img.call(() -> img.mount().readFile(path));
      main.out.write(data, 0, data.length);
      main.out.flush();
    }
    return Main.EXIT_OK;
  }
}
