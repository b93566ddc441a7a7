package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;

/**
 * {@code inspect}: a checkpoint image judged by the spec (module specs), from a host file or from
 * inside an xv6 disk image. The disk image is read through a copy-on-write overlay, so even the log
 * recovery of mounting leaves the file as it was.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Decode a checkpoint image with the spec; print it or its violation.",
      "Decodes IMAGE (a host file, or with --fs a file inside an xv6 disk",
      "image) with the executable specification of image format v1 and prints",
      "its header, registers, restart state, open files and page map (ranges",
      "with permissions), or the first rule it breaks: name, code, byte offset",
      "and detail. Nothing is changed.",
    },
    footer = {
      "",
      "Exit status: 0 valid image, 1 invalid image (the violation is printed),",
      "2 bad usage, IMAGE or FS.IMG unreadable."
    })
final class InspectCommand implements Callable<Integer> {
  /** Host files larger than this cannot be held in one array (nor be an image xv6 wrote). */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 16;

  @ParentCommand Main main;

  @Option(
      names = "--fs",
      paramLabel = "FS.IMG",
      description = "Read IMAGE as a path inside this xv6 disk image.")
  String fs;

  @Option(names = "--json", description = "One JSON object on stdout; addresses as hex strings.")
  boolean json;

  @Parameters(
      index = "0",
      paramLabel = "IMAGE",
      description = "The image: a host file, or with --fs an absolute path in FS.IMG.")
  String image;

  @Override
  public Integer call() {
    byte[] bytes = fs == null ? readHost(image) : readInside(fs, image);
    String source = fs == null ? image : fs + ":" + image;
    Verdict v = ImageCodec.decode(bytes);
    main.out.print(
        json
            ? ImageReport.json(source, bytes.length, v)
            : ImageReport.text(source, bytes.length, v));
    main.out.flush();
    if (v instanceof Verdict.Invalid bad) {
      main.err.println("inspect: " + source + ": invalid image: " + bad.rule());
      return Main.EXIT_FINDING;
    }
    return Main.EXIT_OK;
  }

  private static byte[] readHost(String file) {
    Path p = Path.of(file);
    try {
      if (Files.isDirectory(p)) {
        throw CliError.badInput(file + ": is a directory");
      }
      if (Files.size(p) > MAX_BYTES) {
        throw CliError.badInput(file + ": " + Files.size(p) + " bytes is too large to inspect");
      }
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw CliError.badInput(file + ": no such file");
    } catch (IOException e) {
      throw CliError.badInput(file + ": " + e.getMessage());
    }
  }

  private static byte[] readInside(String fsImage, String path) {
    try (FsImage img = FsImage.open(fsImage, false)) {
      return img.call(() -> img.mount().readFile(path));
    }
  }
}
