package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.specs.Xv6.PGSIZE;
import static xv6ckpt.specs.Xv6.PTE_R;
import static xv6ckpt.specs.Xv6.PTE_U;
import static xv6ckpt.specs.Xv6.PTE_W;
import static xv6ckpt.specs.Xv6.PTE_X;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Invariant 1, the image round trip. (a) The spec's codec is a bijection on valid images:
 * decode(encode(image)) is Valid(image), and re-encoding gives the same bytes, for generated images
 * up to 1.6 MiB. (b) Every image the kernel writes is judged Valid by the spec and holds the
 * captured process exactly as the kernel has it: pid, name, sz, every mapped page (address,
 * permission, content, read from the page table by the harness), every register, the restart record
 * of the call it is blocked in, its console descriptors.
 */
@AddLifecycleHook(ScaledTries.class)
class ImageRoundTripTest {

  // ------------------------------------------------------------------ (a) spec round trip

  @Property(tries = 150)
  void specDecodeInvertsEncode(@ForAll("validImages") Image image) {
    byte[] file = ImageCodec.encode(image);
    Statistics.label("size").collect(file.length > (1 << 20) ? "over 1 MiB" : "at most 1 MiB");
    Statistics.label("blocked in").collect(callName(image.restart().sysnum()));
    Verdict v = ImageCodec.decode(file);
    assertThat(v).isEqualTo(new Verdict.Valid(image));
    assertThat(Arrays.equals(ImageCodec.encode(((Verdict.Valid) v).image()), file)).isTrue();
    Statistics.label("size").coverage(c -> c.check("over 1 MiB").percentage(p -> p >= 5));
    Statistics.label("blocked in")
        .coverage(
            c -> {
              c.check("read").count(n -> n >= 1);
              c.check("wait").count(n -> n >= 1);
              c.check("sleep").count(n -> n >= 1);
            });
  }

  static final List<Integer> VALID_PERMS =
      List.of(
          PTE_R,
          PTE_R | PTE_W,
          PTE_X,
          PTE_R | PTE_X,
          PTE_R | PTE_W | PTE_X,
          PTE_R | PTE_U,
          PTE_R | PTE_W | PTE_U,
          PTE_X | PTE_U,
          PTE_R | PTE_X | PTE_U,
          PTE_R | PTE_W | PTE_X | PTE_U);

  /** A page's place (gap of unmapped pages before it), permission and content seed. */
  record PageSpec(int gap, int perm, long seed) {}

  /** The call a generated process is blocked in (0: none), its n, progress seed, ecall place. */
  record Blocked(int sysnum, int n, long progressSeed, int ecallWord) {}

  @Provide
  Arbitrary<Image> validImages() {
    Arbitrary<PageSpec> page =
        Combinators.combine(
                Arbitraries.frequencyOf(
                    Tuple.of(4, Arbitraries.just(0)),
                    Tuple.of(1, Arbitraries.integers().between(1, 50))),
                Arbitraries.of(VALID_PERMS),
                Arbitraries.longs())
            .as(PageSpec::new);
    Arbitrary<List<PageSpec>> pages =
        Arbitraries.frequencyOf(
            Tuple.of(5, page.list().ofMaxSize(8)),
            Tuple.of(1, page.list().ofMinSize(257).ofMaxSize(400)));
    Arbitrary<Blocked> blocked =
        Combinators.combine(
                Arbitraries.of(0, Xv6.SYS_read, Xv6.SYS_wait, Xv6.SYS_sleep),
                Arbitraries.integers().between(1, Integer.MAX_VALUE),
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.integers().between(0, PGSIZE / 4 - 1))
            .as(Blocked::new);
    return Combinators.combine(
            Arbitraries.longs(),
            Arbitraries.integers().between(1, Integer.MAX_VALUE),
            Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(15),
            pages,
            Arbitraries.integers().between(0, PGSIZE - 1),
            Arbitraries.longs().array(long[].class).ofSize(31),
            Arbitraries.longs().between(0, Xv6.TRAPFRAME / 2 - 1),
            files())
        .flatAs(
            (id, pid, name, specs, slack, x, halfPc, fs) ->
                blocked.map(b -> image(id, pid, name, specs, slack, x, 2 * halfPc, fs, b)));
  }

  private static Arbitrary<List<OpenFile>> files() {
    Arbitrary<OpenFile> f =
        Combinators.combine(
                Arbitraries.integers().between(0, 15),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(1, 3),
                Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(120),
                Arbitraries.longs().between(1, 0xffff_ffffL),
                Arbitraries.longs().between(0, 0xffff_ffffL))
            .as(
                (fd, console, mode, path, inum, off) ->
                    console
                        ? OpenFile.console(fd, (mode & 1) != 0, (mode & 2) != 0)
                        : OpenFile.file(
                            fd, (mode & 1) != 0, (mode & 2) != 0, "/" + path, inum, off));
    return f.list()
        .ofMaxSize(6)
        .uniqueElements(OpenFile::fd)
        .map(
            l -> {
              List<OpenFile> sorted = new ArrayList<>(l);
              sorted.sort((p, q) -> Integer.compare(p.fd(), q.fd()));
              return sorted;
            });
  }

  private static Image image(
      long id,
      int pid,
      String name,
      List<PageSpec> specs,
      int slack,
      long[] x,
      long pc,
      List<OpenFile> files,
      Blocked b) {
    List<Page> pages = new ArrayList<>();
    long va = 0;
    for (PageSpec s : specs) {
      va += (long) s.gap() * PGSIZE;
      pages.add(new Page(va, s.perm(), bytes(s.seed())));
      va += PGSIZE;
    }
    Registers regs = Registers.of(x, pc);
    SyscallRestart restart = SyscallRestart.NONE;
    if (b.sysnum() != 0) {
      // The ecall the process re-issues lives in its first page, made executable user text.
      byte[] d = pages.isEmpty() ? new byte[PGSIZE] : pages.get(0).data();
      long text = pages.isEmpty() ? 0 : pages.get(0).va();
      int off = 4 * b.ecallWord();
      d[off] = 0x73;
      d[off + 1] = 0;
      d[off + 2] = 0;
      d[off + 3] = 0;
      Page p = new Page(text, PTE_R | PTE_X | PTE_U, d);
      if (pages.isEmpty()) {
        pages.add(p);
        va = PGSIZE;
      } else {
        pages.set(0, p);
      }
      regs = regs.with(Registers.A7, b.sysnum()).withPc(text + off);
      long progress = 0;
      if (b.sysnum() == Xv6.SYS_read) {
        regs = regs.with(12, b.n());
        progress = b.progressSeed() % b.n();
      } else if (b.sysnum() == Xv6.SYS_sleep) {
        regs = regs.with(10, b.n());
        progress = b.progressSeed() % b.n();
      }
      List<Long> args = new ArrayList<>();
      for (int r = 10; r <= 15; r++) {
        args.add(regs.x(r));
      }
      restart = new SyscallRestart(b.sysnum(), args, progress);
    }
    long sz = va == 0 ? slack : va - slack;
    return new Image(new Image.Header(id, pid, name, sz), regs, restart, files, pages);
  }

  private static byte[] bytes(long seed) {
    byte[] d = new byte[PGSIZE];
    new SplittableRandom(seed).nextBytes(d);
    return d;
  }

  private static String callName(int sysnum) {
    switch (sysnum) {
      case 0:
        return "none";
      case Xv6.SYS_read:
        return "read";
      case Xv6.SYS_wait:
        return "wait";
      case Xv6.SYS_sleep:
        return "sleep";
      default:
        return "sysnum " + sysnum;
    }
  }

  // ------------------------------------------------------------------ (b) kernel writes

  /** How the captured process is caught: by itself, or by its parent while it is blocked. */
  enum Mode {
    SELF,
    READ,
    WAIT,
    SLEEP
  }

  /** A word stored at a byte offset (multiple of 8) of one of the process's heap pages. */
  record Store(int page, int offset, long value) {}

  /** A process with heapPages of sbrk'd memory, some stores, s2..s9 set, caught by mode. */
  record Capture(Mode mode, int heapPages, List<Store> stores, List<Long> sregs) {}

  @Provide
  Arbitrary<Capture> captures() {
    Arbitrary<Integer> heap =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(0, 12)),
            Tuple.of(1, Arbitraries.integers().between(257, 300)));
    return Combinators.combine(
            Arbitraries.of(Mode.class),
            heap,
            Combinators.combine(
                    Arbitraries.integers().between(0, 299),
                    Arbitraries.integers().between(0, PGSIZE / 8 - 1),
                    Arbitraries.longs())
                .as((p, w, v) -> new Store(p, 8 * w, v))
                .list()
                .ofMaxSize(8),
            Arbitraries.longs().list().ofSize(8))
        .as(Capture::new);
  }

  @Property(tries = 24)
  void kernelImagesDecodeToTheKernelsProcessState(@ForAll("captures") Capture c) {
    Machine m = Machines.runner(Disks.withFiles(Map.of("prog", program(c))), Machines.LAWS);
    int parent = Machines.spawn(m, "prog");
    int child = parent + 1;
    assertThat(m.run(80_000)).isEqualTo(new Machine.Outcome.BudgetSpent());
    UserState now = UserState.of(m, child);
    long result = c.mode() == Mode.SELF ? now.reg(10) : UserState.of(m, parent).reg(10);
    assertThat(result).isEqualTo(0); // the checkpoint call succeeded
    byte[] file = Disks.readFile(m, "/img").orElseThrow(() -> new AssertionError("no /img"));
    Statistics.label("image").collect(file.length > (1 << 20) ? "over 1 MiB" : "at most 1 MiB");
    Statistics.label("captured").collect(c.mode());
    Verdict v = ImageCodec.decode(file);
    assertThat(v).isInstanceOf(Verdict.Valid.class);
    Image im = ((Verdict.Valid) v).image();
    assertThat(im.header().pid()).isEqualTo(child);
    assertThat(im.header().name()).isEqualTo("prog");
    assertThat(im.header().sz()).isEqualTo(now.sz());
    assertThat(im.pages()).containsExactlyElementsIn(now.pages()).inOrder();
    long[] expect = now.x().clone();
    if (c.mode() == Mode.SELF) {
      expect[10] = 1; // the restored process sees checkpoint return 1
    }
    assertThat(im.regs().x()).containsExactlyElementsIn(boxed(expect)).inOrder();
    assertThat(im.regs().pc()).isEqualTo(now.pc());
    checkRestart(c.mode(), im, now);
    assertThat(im.files())
        .containsExactly(
            OpenFile.console(0, true, true),
            OpenFile.console(1, true, true),
            OpenFile.console(2, true, true))
        .inOrder();
    Statistics.label("image").coverage(k -> k.check("over 1 MiB").count(n -> n >= 1));
    Statistics.label("captured")
        .coverage(
            k -> {
              for (Mode mode : Mode.values()) {
                k.check(mode).count(n -> n >= 1);
              }
            });
  }

  private static void checkRestart(Mode mode, Image im, UserState now) {
    SyscallRestart r = im.restart();
    switch (mode) {
      case SELF:
        assertThat(r).isEqualTo(SyscallRestart.NONE);
        return;
      case READ:
        assertThat(r.sysnum()).isEqualTo(Xv6.SYS_read);
        assertThat(r.progress()).isEqualTo(0);
        break;
      case WAIT:
        assertThat(r.sysnum()).isEqualTo(Xv6.SYS_wait);
        assertThat(r.progress()).isEqualTo(0);
        break;
      case SLEEP:
        assertThat(r.sysnum()).isEqualTo(Xv6.SYS_sleep);
        assertThat(r.progress()).isAtLeast(0);
        assertThat(r.progress()).isLessThan(SLEEP_TICKS);
        break;
      default:
        throw new AssertionError(mode);
    }
    for (int i = 0; i < 6; i++) {
      assertThat(r.args().get(i)).isEqualTo(now.reg(10 + i));
    }
  }

  private static List<Long> boxed(long[] v) {
    List<Long> out = new ArrayList<>();
    for (long x : v) {
      out.add(x);
    }
    return out;
  }

  static final int SLEEP_TICKS = 1_000_000;

  /**
   * The program: pid P forks C. C grows its heap, stores, loads s2..s9, and then (SELF) checkpoints
   * itself and spins, or blocks in read, wait (for a grandchild that blocks in read) or sleep. P
   * (not SELF) sleeps a tick so that C gets there, checkpoints C and spins; the harness stops the
   * machine while everything stays put.
   */
  private static byte[] program(Capture c) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img");
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, "child").mv(S1, A0);
    if (c.mode() == Mode.SELF) {
      p.a.li(A0, 0);
      p.sys(Xv6Abi.SYS_wait);
    } else {
      p.a.li(A0, 1);
      p.sys(Xv6Abi.SYS_sleep);
      p.a.mv(A0, S1).la(A1, "path");
      p.sys(Xv6Abi.SYS_checkpoint);
    }
    p.a.label("spin").j("spin");
    p.a.label("child");
    p.a.li(A0, (long) c.heapPages() * PGSIZE).li(A1, 0);
    p.sys(Xv6Abi.SYS_sbrk);
    p.a.mv(S1, A0); // the heap's base
    for (Store s : c.stores()) {
      if (c.heapPages() > 0) {
        p.a.li(T0, (long) (s.page() % c.heapPages()) * PGSIZE + s.offset()).add(T0, T0, S1);
        p.a.li(T1, s.value()).sd(T1, 0, T0);
      }
    }
    for (int i = 0; i < 8; i++) {
      p.a.li(18 + i, c.sregs().get(i)); // s2..s9
    }
    blockOrCheckpoint(p, c.mode());
    p.a.label("cspin").j("cspin");
    return p.elf();
  }

  private static void blockOrCheckpoint(UserProgram p, Mode mode) {
    switch (mode) {
      case SELF:
        p.a.li(A0, 0).la(A1, "path");
        p.sys(Xv6Abi.SYS_checkpoint);
        break;
      case READ:
        p.a.li(A0, 0).la(A1, "bss").li(A2, 16);
        p.sys(Xv6Abi.SYS_read);
        break;
      case WAIT:
        p.sys(Xv6Abi.SYS_fork);
        p.a.bnez(A0, "waiter");
        p.a.li(A0, 0).la(A1, "bss").li(A2, 16);
        p.sys(Xv6Abi.SYS_read);
        p.exit(0);
        p.a.label("waiter").li(A0, 0);
        p.sys(Xv6Abi.SYS_wait);
        break;
      case SLEEP:
        p.a.li(A0, SLEEP_TICKS);
        p.sys(Xv6Abi.SYS_sleep);
        break;
      default:
        throw new AssertionError(mode);
    }
  }
}
