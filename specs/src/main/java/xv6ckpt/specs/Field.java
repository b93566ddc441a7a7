package xv6ckpt.specs;

/**
 * One field of a fixed-size record of the image: its name as FORMAT.md spells it, its offset from
 * the record's start and its size in bytes. Integers are little-endian, unsigned unless FORMAT.md
 * says otherwise.
 */
public record Field(String name, int offset, int size) {
  public Field {
    if (offset < 0 || size <= 0) {
      throw new IllegalArgumentException("field " + name + ": offset " + offset + " size " + size);
    }
  }

  /** The offset just past the field. */
  public int end() {
    return offset + size;
  }
}
