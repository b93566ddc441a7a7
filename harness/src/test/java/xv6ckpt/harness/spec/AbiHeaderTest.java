package xv6ckpt.harness.spec;

import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The system-call ABI cannot drift: {@code kernel/user/abi.h}, the C user-land's header, is the one
 * source, and every other copy must say what it says. Checked here, where all copies are visible:
 * the numbers and names of testkit's {@link Xv6Abi}, of the kernel's {@code Syscall} constants, and
 * of the spec's {@link Xv6}; the open flags of {@link Xv6Abi} and the kernel's {@code SysFile}; the
 * kernel's dispatch table (a handler at every number abi.h lists, none elsewhere); a stub in {@code
 * usys.S} and a prototype in {@code user.h} for every call.
 *
 * <p>The kernel keeps its constants package-private (a test must not borrow the judged code's
 * constants, and the kernel exports none), so they are read by reflection. testkit/README.md lists
 * what adding a system call touches; this test is the checklist's enforcement.
 */
class AbiHeaderTest {
  private static final Path USER = Path.of("../kernel/user"); // surefire runs in harness/
  private static final Pattern SYS = Pattern.compile("^#define\\s+SYS_(\\w+)\\s+(\\d+)\\b");
  private static final Pattern FLAG = Pattern.compile("^#define\\s+(O_\\w+)\\s+(0x[0-9a-fA-F]+)");

  /** Names of Xv6Abi's int constants that are not calls or flags. */
  private static final List<String> XV6ABI_DERIVED = List.of("SYS_MAX", "SYS_MAX_STOCK");

  /** abi.h's {@code SYS_*} defines, name (without "SYS_") to number, in header order. */
  private static Map<String, Integer> headerCalls() throws IOException {
    Map<String, Integer> calls = new LinkedHashMap<>();
    for (String line : Files.readAllLines(USER.resolve("abi.h"))) {
      Matcher m = SYS.matcher(line);
      if (m.find()) {
        assertWithMessage("abi.h defines SYS_%s twice", m.group(1))
            .that(calls.put(m.group(1), Integer.parseInt(m.group(2))))
            .isNull();
      }
    }
    assertWithMessage("abi.h's SYS_ defines").that(calls).isNotEmpty();
    return calls;
  }

  /** abi.h's {@code O_*} defines, name to value. */
  private static Map<String, Integer> headerFlags() throws IOException {
    Map<String, Integer> flags = new TreeMap<>();
    for (String line : Files.readAllLines(USER.resolve("abi.h"))) {
      Matcher m = FLAG.matcher(line);
      if (m.find()) {
        flags.put(m.group(1), Integer.parseInt(m.group(2).substring(2), 16));
      }
    }
    assertWithMessage("abi.h's O_ defines").that(flags).isNotEmpty();
    return flags;
  }

  /** The static int fields of c whose names start with prefix, name to value. */
  private static Map<String, Integer> constants(Class<?> c, String prefix) throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    for (Field f : c.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isStatic(mod)
          && Modifier.isFinal(mod)
          && f.getType() == int.class
          && f.getName().startsWith(prefix)) {
        f.setAccessible(true);
        out.put(f.getName(), f.getInt(null));
      }
    }
    return out;
  }

  /** The header's calls as {@code SYS_name -> number}. */
  private static Map<String, Integer> prefixed(Map<String, Integer> calls) {
    Map<String, Integer> out = new TreeMap<>();
    calls.forEach((name, num) -> out.put("SYS_" + name, num));
    return out;
  }

  @Test
  void theHeaderNumbersTheCallsOneToN() throws IOException {
    List<Integer> numbers = new ArrayList<>(headerCalls().values());
    List<Integer> want = new ArrayList<>();
    for (int n = 1; n <= numbers.size(); n++) {
      want.add(n);
    }
    // xv6's syscall table is indexed by number: a gap or a repeat is a mistake.
    assertWithMessage("abi.h's call numbers, in header order").that(numbers).isEqualTo(want);
  }

  @Test
  void testkitsXv6AbiIsTheHeader() throws Exception {
    Map<String, Integer> header = headerCalls();
    Map<String, Integer> abi = constants(Xv6Abi.class, "SYS_");
    XV6ABI_DERIVED.forEach(abi::remove);
    assertWithMessage("Xv6Abi's SYS_ constants (testkit) against kernel/user/abi.h")
        .that(abi)
        .containsExactlyEntriesIn(prefixed(header));
    for (Map.Entry<String, Integer> e : header.entrySet()) {
      assertWithMessage("Xv6Abi.name(%s) against abi.h's SYS_%s", e.getValue(), e.getKey())
          .that(Xv6Abi.name(e.getValue()))
          .isEqualTo(e.getKey());
    }
    assertWithMessage("Xv6Abi.SYS_MAX, the highest number abi.h lists")
        .that(Xv6Abi.SYS_MAX)
        .isEqualTo(header.size());
    assertWithMessage("Xv6Abi.name past the last call")
        .that(Xv6Abi.name(header.size() + 1))
        .isEqualTo("sys#" + (header.size() + 1));
    assertWithMessage("Xv6Abi.SYS_MAX_STOCK, stock xv6's last call (close)")
        .that(Xv6Abi.SYS_MAX_STOCK)
        .isEqualTo(header.get("close"));
    assertWithMessage("Xv6Abi's O_ flags (testkit) against kernel/user/abi.h")
        .that(constants(Xv6Abi.class, "O_"))
        .containsExactlyEntriesIn(headerFlags());
  }

  @Test
  void theKernelsSyscallConstantsAreTheHeader() throws Exception {
    Class<?> syscall = Class.forName("xv6ckpt.kernel.Syscall");
    assertWithMessage("the kernel's Syscall.SYS_ constants against kernel/user/abi.h")
        .that(constants(syscall, "SYS_"))
        .containsExactlyEntriesIn(prefixed(headerCalls()));
  }

  @Test
  void theKernelsOpenFlagsAreTheHeaders() throws Exception {
    Map<String, Integer> kernel = constants(Class.forName("xv6ckpt.kernel.SysFile"), "O_");
    assertWithMessage("the kernel's SysFile.O_ flags against kernel/user/abi.h")
        .that(kernel)
        .containsExactlyEntriesIn(headerFlags());
  }

  @Test
  void theKernelDispatchesExactlyTheHeadersCalls() throws Exception {
    Machine m = machine();
    Object syscall = fieldOfType(m, Class.forName("xv6ckpt.kernel.Syscall"));
    Object[] table = (Object[]) fieldOfType(syscall, Object[].class);
    List<Integer> handled = new ArrayList<>();
    for (int n = 0; n < table.length; n++) {
      if (table[n] != null) {
        handled.add(n);
      }
    }
    assertWithMessage("numbers with a handler in the kernel's dispatch table, against abi.h")
        .that(handled)
        .containsExactlyElementsIn(headerCalls().values());
  }

  @Test
  void theSpecsCallNumbersAreTheHeaders() throws Exception {
    // The spec names only the calls the image format refers to: a subset, each as abi.h says.
    Map<String, Integer> header = prefixed(headerCalls());
    Map<String, Integer> spec = constants(Xv6.class, "SYS_");
    assertWithMessage("specs Xv6's SYS_ constants").that(spec).isNotEmpty();
    for (Map.Entry<String, Integer> e : spec.entrySet()) {
      assertWithMessage("specs Xv6.%s against kernel/user/abi.h", e.getKey())
          .that(e.getValue())
          .isEqualTo(header.get(e.getKey()));
    }
  }

  @Test
  void usysHasAStubAndUserHAPrototypeForEveryCall() throws IOException {
    String usys = Files.readString(USER.resolve("usys.S"));
    String userH = Files.readString(USER.resolve("user.h"));
    for (String name : headerCalls().keySet()) {
      // either the SYSCALL macro, or a hand-written stub (sbrk) that loads the number into a7
      Pattern stub =
          Pattern.compile(
              "(?m)^SYSCALL\\s+"
                  + name
                  + ",\\s*SYS_"
                  + name
                  + "\\s*$|"
                  + "^"
                  + name
                  + ":\\s*\\n(?:\\s+li\\s+a\\d,.*\\n)*?\\s+li\\s+a7,\\s*SYS_"
                  + name
                  + "\\s*$");
      assertWithMessage("kernel/user/usys.S: a stub %s that loads SYS_%s into a7", name, name)
          .that(stub.matcher(usys).find())
          .isTrue();
      Pattern proto = Pattern.compile("(?m)^[\\w *]*\\b" + name + "\\(");
      assertWithMessage("kernel/user/user.h: a prototype of %s", name)
          .that(proto.matcher(userH).find())
          .isTrue();
    }
  }

  /** A machine over an empty file system: the kernel's tables as it builds them. */
  private static Machine machine() throws Exception {
    Mkfs.Options fs = new Mkfs.Options(800, 64, 30, false);
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, fs.size());
    Mkfs.make(disk, fs, new ArrayList<>());
    return Machine.runner(disk, Machine.Config.defaults().withRam(8L * 1024 * 1024));
  }

  /** The one field of o's class whose type is (a subtype of) type, read reflectively. */
  private static Object fieldOfType(Object o, Class<?> type) throws IllegalAccessException {
    Field found = null;
    for (Field f : o.getClass().getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers()) && type.isAssignableFrom(f.getType())) {
        assertWithMessage("two fields of type %s in %s", type, o.getClass()).that(found).isNull();
        found = f;
      }
    }
    assertWithMessage("a field of type %s in %s", type, o.getClass()).that(found).isNotNull();
    found.setAccessible(true);
    return found.get(o);
  }
}
