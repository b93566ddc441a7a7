package xv6ckpt.harness.fuzz;

import xv6ckpt.testkit.Xv6Abi;

import java.util.HexFormat;

/**
 * Inputs of the targets rendered for people: the same decoding the targets apply, as text
 * (patch by patch for fs-image, call by call for syscall-args).
 */
public final class InputDecoder {
  private InputDecoder() {}

  public static String describe(String target, byte[] input) {
    switch (target) {
      case "fs-image": return patches(input);
      case "syscall-args": return calls(input);
      default: return "(no decoder for target " + target + ")\n";
    }
  }

  private static String patches(byte[] input) {
    ByteInput in = new ByteInput(input);
    StringBuilder b = new StringBuilder();
    int n = 0;
    while (!in.exhausted() && n < FsImageTarget.MAX_PATCHES) {
      int block = in.u16();
      int off = in.u16();
      byte[] bytes = in.bytes(1 + in.u8() % 16);
      b.append(String.format("patch %d: block selector %d (first inode block + %d mod span), "
          + "offset %d: %s%n", n++, block, block, off % 1024, HexFormat.of().formatHex(bytes)));
    }
    return n == 0 ? "no patches: the clean image\n" : b.toString();
  }

  private static String calls(byte[] input) {
    ByteInput in = new ByteInput(input);
    StringBuilder b = new StringBuilder();
    int k = in.u8() % 9;
    for (int i = 0; i < k; i++) {
      b.append("path slot ").append(8 + i).append(": \"")
          .append(new String(in.bytes(in.u8() % 64), java.nio.charset.StandardCharsets.ISO_8859_1))
          .append("\"\n");
    }
    b.append("buffer: ").append(in.bytes(in.u16() % UserPrograms.BUF_BYTES).length)
        .append(" bytes\n");
    int n = 0;
    while (!in.exhausted() && n < UserPrograms.MAX_CALLS) {
      int num = in.u8();
      String name = num < 0xf0 ? Xv6Abi.name(1 + num % Xv6Abi.SYS_MAX_STOCK) : "odd#" + num;
      b.append("call ").append(n++).append(": ").append(name).append('(');
      for (int i = 0; i < 6; i++) {
        b.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(SyscallArgsTarget.arg(in)));
      }
      b.append(")\n");
    }
    return b.toString();
  }
}
