package xv6ckpt.kernel.fs;

/** Why a file-system operation refused (where xv6's system calls answer -1). */
public enum FsError {
  NOT_FOUND("no such file or directory"),
  NOT_A_DIRECTORY("not a directory"),
  IS_A_DIRECTORY("is a directory"),
  EXISTS("already exists"),
  DIRECTORY_NOT_EMPTY("directory not empty"),
  INVALID_NAME("cannot use . or .. here"),
  NO_INODES("out of inodes"),
  NO_SPACE("out of disk blocks"),
  FILE_TOO_LARGE("file too large");

  private final String text;

  FsError(String text) {
    this.text = text;
  }

  /** A short description in the manner of strerror. */
  public String text() {
    return text;
  }
}
