package xv6ckpt.harness.rig;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which kernel a finding is about: our Java kernel, or a kernel ELF by its path and the SHA-256 of
 * its bytes (a replay against another build of the "same" path says so).
 */
public record KernelIdentity(String path, String sha256) {
  /** The built-in Java kernel. */
  public static final KernelIdentity JAVA = new KernelIdentity("java", "");

  public static KernelIdentity ofElf(String path, byte[] elf) {
    return new KernelIdentity(path, sha256(elf));
  }

  public boolean isJava() {
    return sha256.isEmpty();
  }

  public static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** "java kernel" or "kernel PATH sha256 HEX", the line reports carry. */
  @Override
  public String toString() {
    return isJava() ? "java kernel" : "kernel " + path + " sha256 " + sha256;
  }
}
