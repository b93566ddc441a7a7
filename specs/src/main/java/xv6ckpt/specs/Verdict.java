package xv6ckpt.specs;

/**
 * The decoder's answer about a file: a valid image, or the first rule it breaks (in the checking
 * order documented in FORMAT.md and {@link ImageDecoder}), the byte offset where it breaks it, and
 * a sentence for people.
 */
public sealed interface Verdict {
  /** The file is a complete, valid version 1 image. */
  record Valid(Image image) implements Verdict {}

  /**
   * The file breaks {@code rule}; {@code offset} is the offending field's offset in the file (for
   * byte strings, the first offending byte; for a file too short, its length).
   */
  record Invalid(Rule rule, long offset, String detail) implements Verdict {
    /** One line: RULE (code) at offset N: detail. */
    @Override
    public String toString() {
      return rule + " (" + rule.code() + ") at offset " + offset + ": " + detail;
    }
  }
}
