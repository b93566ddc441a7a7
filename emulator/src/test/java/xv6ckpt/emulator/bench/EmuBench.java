package xv6ckpt.emulator.bench;

/**
 * Emulator speed, MMU on: runs each benchmark program repeatedly for a few seconds after a
 * warm-up and prints instructions, seconds and MIPS (wall clock and thread CPU time). Not a
 * test (timing belongs here, not in unit tests). Run: {@code mvn -B -q -pl emulator -am
 * test-compile} then
 * {@code java -cp emulator/target/classes:emulator/target/test-classes
 * xv6ckpt.emulator.bench.EmuBench [seconds] [program...]}.
 */
public final class EmuBench {
  private EmuBench() {}

  /**
   * The machine is shared, so besides wall-clock MIPS the harness reports MIPS per second of
   * this thread's CPU time, which other processes' load distorts much less.
   */
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    String[] names =
        args.length > 1
            ? java.util.Arrays.copyOfRange(args, 1, args.length)
            : new String[] {"alu", "sort", "crc"};
    for (String name : names) {
      BenchProgram p = new BenchProgram(name);
      long result = 0;
      for (int i = 0; i < 2; i++) result = p.runOnce(); // warm-up: JIT
      long instructions = 0;
      long start = System.nanoTime();
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      long elapsed;
      int runs = 0;
      do {
        if (p.runOnce() != result) throw new IllegalStateException(name + ": result changed");
        instructions += p.hart.instret();
        runs++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < seconds * 1e9);
      double s = elapsed / 1e9;
      double cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      System.out.printf(
          "%-5s runs %3d  instructions %,13d  seconds %6.2f  mips %6.1f  cpu-seconds %6.2f"
              + "  cpu-mips %6.1f  (a0 = 0x%x)%n",
          name, runs, instructions, s, instructions / s / 1e6, cpu, instructions / cpu / 1e6,
          result);
    }
  }
}
