package xv6ckpt.emulator.dev;

/**
 * A device whose outputs change with time by themselves (the CLINT's timer comparing mtime with
 * mtimecmp; a console whose scripted input arrives at set times). Time is the machine's
 * instruction-count time, never the wall clock. The machine calls {@link #advance} whenever it has
 * moved time on (at least at every {@link #nextEvent}), and never lets a hart run past the next
 * event, so a change lands at exactly its time however the run is split.
 */
public interface Clocked {

  /**
   * The earliest time after {@code now} at which the device changes an output without being
   * accessed, or {@link Long#MAX_VALUE} if none is due (a change due at {@code now} itself was made
   * by {@link #advance}). A sleeping machine skips ahead to it.
   */
  long nextEvent(long now);

  /** Time is now {@code now} (never less than before): set the outputs that depend on it. */
  void advance(long now);
}
