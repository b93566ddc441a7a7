package xv6ckpt.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code bench --against BUILD}: this build and another one of xv6ckpt time the same full-system
 * work in one JVM. Both machines boot the same kernel over the same image and run the same command,
 * taking turns of a few hundred million steps (bench's --turn), the order swapped every turn; each
 * turn is timed. On a machine whose speed drifts by a fifth from one minute to the next (ours: a
 * Python loop took 1.4 to 2.0 s within a minute, and whole {@code usertests -q} runs of one jar 33
 * to 50 s), separate runs cannot tell a 3% change; turns a second apart see the same drift.
 *
 * <p>The guest work is the same on both sides only if both builds are correct, so the consoles are
 * compared at every turn: the first difference ends the comparison and is reported, which makes
 * this a differential test of the two builds as well.
 *
 * <p>Each build is driven through the emulator's public API ({@code SystemMachine}, {@code
 * VirtBoard}, {@code MemoryBlockDevice}) by reflection, this build's through its own class loader
 * and the other's through one of its own, so both sides are driven alike and neither is compiled
 * with the other's profile.
 */
final class PairedBench {
  private PairedBench() {}

  /**
   * A class loader for another build: its own xv6ckpt classes, from a jar, a directory holding
   * xv6ckpt.jar and the modules' jars in lib/ (as harness/target does), or a classes directory;
   * everything else (the JDK, ASM) from this build's class path, so both sides translate with the
   * same ASM.
   */
  static ClassLoader loader(Path build) {
    Path jar = build.resolve("xv6ckpt.jar");
    Path where = Files.isRegularFile(jar) ? jar : build;
    boolean classes = Files.isDirectory(build) && Files.isDirectory(build.resolve("xv6ckpt"));
    if (!classes && !Files.isRegularFile(where)) {
      throw CliError.badInput(
          "--against "
              + build
              + ": no xv6ckpt build there (a jar, a directory holding xv6ckpt.jar as"
              + " harness/target does, or a classes directory)");
    }
    List<URL> urls = new ArrayList<>();
    try {
      urls.add(where.toUri().toURL());
      Path lib = where.resolveSibling("lib");
      if (!classes && Files.isDirectory(lib)) {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(lib, "*.jar")) {
          for (Path p : jars) urls.add(p.toUri().toURL());
        }
      }
    } catch (IOException e) {
      throw CliError.badInput("--against " + build + ": " + e.getMessage());
    }
    return new OwnClasses(urls.toArray(new URL[0]), PairedBench.class.getClassLoader());
  }

  /** Loads xv6ckpt's classes only from its own URLs, never from its parent (this build). */
  private static final class OwnClasses extends URLClassLoader {
    OwnClasses(URL[] urls, ClassLoader parent) {
      super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("xv6ckpt.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) c = findClass(name);
        if (resolve) resolveClass(c);
        return c;
      }
    }
  }

  /** One build's machine, driven by reflection through its class loader. */
  static final class Side {
    final String name;
    private final Object machine;
    private final Object uart;
    private final Method run;
    private final Method time;
    private final Method receive;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    long nanos;

    Side(String name, ClassLoader build, byte[] elf, byte[] image, int harts) {
      this.name = name;
      try {
        Class<?> sm = build.loadClass("xv6ckpt.emulator.system.SystemMachine");
        Class<?> config = build.loadClass("xv6ckpt.emulator.system.SystemMachine$Config");
        Constructor<?> newConfig =
            config.getConstructor(long.class, int.class, long.class, long.class);
        Object c = newConfig.newInstance(128L << 20, harts, 0L, MachineOptions.HART_QUANTUM);
        machine = sm.getConstructor(config).newInstance(c);
        Class<?> device = build.loadClass("xv6ckpt.emulator.disk.BlockDevice");
        Object disk =
            build
                .loadClass("xv6ckpt.emulator.disk.MemoryBlockDevice")
                .getConstructor(int.class, byte[].class)
                .newInstance(1024, image.clone());
        Class<?> vb = build.loadClass("xv6ckpt.emulator.system.VirtBoard");
        IntConsumer out = console::write;
        Object board =
            vb.getConstructor(sm, device, IntConsumer.class).newInstance(machine, disk, out);
        uart = vb.getField("uart").get(board);
        receive = uart.getClass().getMethod("receive", byte[].class);
        sm.getMethod("loadKernel", byte[].class, long.class).invoke(machine, elf, 0L);
        run = sm.getMethod("run", long.class);
        time = sm.getMethod("time");
      } catch (ReflectiveOperationException | LinkageError e) {
        throw CliError.badInput(
            name
                + ": cannot drive its full-system machine ("
                + cause(e)
                + "); is it a build"
                + " of xv6ckpt with SystemMachine(Config), VirtBoard and MemoryBlockDevice?");
      }
    }

    /** Runs one turn of at most {@code steps} steps, timed. */
    void turn(long steps) {
      long t0 = System.nanoTime();
      call(run, machine, steps);
      nanos += System.nanoTime() - t0;
    }

    long time() {
      return (long) call(time, machine);
    }

    void type(String line) {
      call(receive, uart, (Object) line.getBytes(StandardCharsets.UTF_8));
    }

    String console() {
      return console.toString(StandardCharsets.ISO_8859_1);
    }

    private Object call(Method m, Object on, Object... args) {
      try {
        return m.invoke(on, args);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      } catch (InvocationTargetException e) {
        throw new CliError(Main.EXIT_FINDING, name + "'s machine failed: " + cause(e.getCause()));
      }
    }
  }

  private static String cause(Throwable e) {
    Throwable c = e instanceof InvocationTargetException i ? i.getCause() : e;
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }

  /** The comparison: both sides' seconds, the turns, and the first console difference if any. */
  record Result(
      double thisSeconds,
      double otherSeconds,
      int turns,
      long steps,
      double[] turnRatios,
      String difference) {
    double ratio() {
      return thisSeconds / otherSeconds;
    }

    /** The median of this/other over the turns that took at least a millisecond on both. */
    double medianTurnRatio() {
      double[] r = turnRatios.clone();
      Arrays.sort(r);
      return r.length == 0 ? Double.NaN : r[r.length / 2];
    }
  }

  /**
   * Boots both sides to the shell's prompt, types {@code line} into both at the same step, and runs
   * them to the next prompt, in alternating turns of {@code slice} steps; stops at the first
   * console difference, or when neither has come back within {@code maxSteps}.
   */
  static Result compare(
      Side mine, Side other, String line, long slice, long maxSteps, PrintStream progress) {
    List<Double> ratios = new ArrayList<>();
    boolean typed = false;
    int from = 0;
    int turns = 0;
    String difference = null;
    while (mine.time() < maxSteps) {
      long n = Math.min(slice, maxSteps - mine.time());
      long a = mine.nanos, b = other.nanos;
      if (turns % 2 == 0) {
        mine.turn(n);
        other.turn(n);
      } else {
        other.turn(n);
        mine.turn(n);
      }
      turns++;
      if (mine.nanos - a >= 1_000_000 && other.nanos - b >= 1_000_000) {
        ratios.add((double) (mine.nanos - a) / (other.nanos - b));
      }
      String c = mine.console();
      difference = differ(c, other.console(), mine.time(), other.time());
      if (difference != null) break;
      progress.printf(
          Locale.ROOT,
          "\rbench --against: turn %d, step %,d: this build %.1f s, the other %.1f s   ",
          turns,
          mine.time(),
          mine.nanos / 1e9,
          other.nanos / 1e9);
      boolean prompt =
          c.endsWith(SystemBench.PROMPT) && c.length() - SystemBench.PROMPT.length() > from;
      if (!typed && prompt && c.contains(SystemBench.SHELL_START)) {
        mine.type(line + "\n");
        other.type(line + "\n");
        typed = true;
        from = c.length();
      } else if (typed && prompt) {
        break;
      }
    }
    progress.print("\r" + " ".repeat(78) + "\r");
    double[] r = ratios.stream().mapToDouble(Double::doubleValue).toArray();
    return new Result(mine.nanos / 1e9, other.nanos / 1e9, turns, mine.time(), r, difference);
  }

  /** Where two consoles (or clocks) part, or null while they agree. */
  static String differ(String a, String b, long timeA, long timeB) {
    if (timeA != timeB) {
      return "the clocks differ: " + timeA + " against " + timeB + " steps";
    }
    if (a.equals(b)) {
      return null;
    }
    int i = 0;
    while (i < Math.min(a.length(), b.length()) && a.charAt(i) == b.charAt(i)) i++;
    return String.format(
        "the consoles differ at byte %d (step %d): this build %s, the other %s",
        i, timeA, excerpt(a, i), excerpt(b, i));
  }

  private static String excerpt(String s, int at) {
    if (at >= s.length()) return "ends there";
    String t = s.substring(at, Math.min(s.length(), at + 40));
    return "'" + t.replace("\n", "\\n") + "'";
  }
}
