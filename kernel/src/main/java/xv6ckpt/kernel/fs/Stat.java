package xv6ckpt.kernel.fs;

/** xv6's {@code struct stat} and the inode types of {@code stat.h}. */
public record Stat(int dev, long ino, short type, short nlink, long size) {
  public static final short T_DIR = 1; // Directory
  public static final short T_FILE = 2; // File
  public static final short T_DEVICE = 3; // Device

  /** Name of an inode type for messages ("dir", "file", "device", or the number). */
  public static String typeName(int type) {
    switch (type) {
      case T_DIR:
        return "dir";
      case T_FILE:
        return "file";
      case T_DEVICE:
        return "device";
      default:
        return "type " + type;
    }
  }
}
