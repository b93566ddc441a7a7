package xv6ckpt.harness.fuzz;

import java.util.Arrays;

/**
 * Structured values read from the front of a fuzzer's byte string, the way libFuzzer's
 * FuzzedDataProvider reads them, but as plain Java so that a replay outside Jazzer decodes the same
 * bytes into the same values. Reading past the end yields zeros and empty arrays, never an
 * exception, so every byte string is a valid input; {@link #exhausted} tells when to stop.
 */
final class ByteInput {
  private final byte[] data;
  private int pos;

  ByteInput(byte[] data) {
    this.data = data;
  }

  boolean exhausted() {
    return pos >= data.length;
  }

  int remaining() {
    return Math.max(0, data.length - pos);
  }

  /** The next byte, unsigned (0 when exhausted). */
  int u8() {
    return pos < data.length ? data[pos++] & 0xff : 0;
  }

  /** The next two bytes, little-endian, unsigned. */
  int u16() {
    return u8() | u8() << 8;
  }

  /** The next four bytes, little-endian. */
  int i32() {
    return u16() | u16() << 16;
  }

  /** The next eight bytes, little-endian. */
  long i64() {
    return (i32() & 0xffffffffL) | (long) i32() << 32;
  }

  /** A value in [0, bound) from one byte (bound at most 256) or two (larger bounds). */
  int below(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    return (bound <= 256 ? u8() : u16()) % bound;
  }

  /** Up to n of the following bytes (fewer at the end of the input). */
  byte[] bytes(int n) {
    int k = Math.max(0, Math.min(n, remaining()));
    byte[] b = Arrays.copyOfRange(data, pos, pos + k);
    pos += k;
    return b;
  }
}
