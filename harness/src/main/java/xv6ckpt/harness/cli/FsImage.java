package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.DiskIoException;
import xv6ckpt.emulator.disk.FileBlockDevice;
import xv6ckpt.emulator.disk.OverlayBlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;

/**
 * An fs.img opened for the image commands (ls, cat, put, get, fsck), with their shared error
 * manners: a missing or malformed image, a kernel panic on a corrupted one, or a refused
 * file-system operation becomes one line on stderr and exit 2 (bad input).
 */
final class FsImage implements AutoCloseable {
  final Path path;
  final BlockDevice device;

  private FsImage(Path path, BlockDevice device) {
    this.path = path;
    this.device = device;
  }

  /**
   * Opens IMAGE. Read-only use sees the file through a copy-on-write overlay, so even mounting
   * (which replays and clears the log) leaves the file as it was; writable use changes it in place,
   * like a disk.
   */
  static FsImage open(String image, boolean writable) {
    Path p = Path.of(image);
    try {
      FileBlockDevice f = FileBlockDevice.open(p, FsFormat.BSIZE, !writable);
      return new FsImage(p, writable ? f : new OverlayBlockDevice(f));
    } catch (NoSuchFileException e) {
      throw CliError.badInput(image + ": no such file");
    } catch (IOException e) {
      throw CliError.badInput(e.getMessage());
    }
  }

  /** Mounts the file system (recovering its log). */
  FileSystem mount() {
    return call(() -> FileSystem.mount(device));
  }

  /** A file-system action whose failures are reported the image commands' way. */
  interface Action<T> {
    T run() throws FsException;
  }

  /** Runs an action, turning refusals, panics and disk errors into bad-input errors. */
  <T> T call(Action<T> a) {
    try {
      return a.run();
    } catch (FsException e) {
      throw CliError.badInput(path + ": " + e.getMessage());
    } catch (KernelPanic e) {
      throw CliError.badInput(path + ": kernel panic: " + e.panicMessage());
    } catch (DiskIoException e) {
      throw CliError.badInput(path + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      device.close();
    } catch (DiskIoException e) {
      throw CliError.badInput(path + ": " + e.getMessage());
    }
  }
}
