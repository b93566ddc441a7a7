package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The check a region that follows calls makes before it runs code of another page ({@link
 * Hart#codeMapped}): the fetch TLB maps that page to the decoding translated, and the decoding has
 * not been patched since. {@code system.CallRegionTest} runs whole kernels through such regions.
 */
class CodeMappedTest {

  static final long A = PhysicalMemory.BASE, B = A + 0x1000;

  @Test
  void aPatchOfTheOtherPagesDecodingInPlaceFailsTheCheck() {
    Assembler a = new Assembler(A);
    a.la(T0, "b").li(T1, 0x13).sw(T1, 0, T0).label("second").sw(T1, 4, T0).ebreak();
    a.align(4096).label("b").addi(A0, A0, 1).addi(A0, A0, 2).ebreak();
    byte[] bytes = a.assemble();
    PhysicalMemory mem = new PhysicalMemory(1 << 20);
    mem.write(A, bytes, 0, bytes.length);
    Hart h = new Hart(mem);
    h.setPc(B);
    h.run(10); // decodes page B and fills the fetch TLB
    h.setPc(A);
    while (h.pc() != a.address("second")) {
      h.run(1); // the first store to B: B's decoding is now this page's own
    }
    DecodedPage page = mem.decoded[1];
    int version = page.version;
    assertThat(h.codeMapped(B, page, version)).isTrue();

    h.run(1); // the second store patches that decoding in place

    assertThat(mem.decoded[1]).isSameInstanceAs(page);
    assertThat(h.codeMapped(B, page, version)).isFalse();
    assertThat(h.codeMapped(B, page, page.version)).isTrue();
  }

  @Test
  void anotherDecodingOrAnUnmappedPageFailsTheCheck() {
    PhysicalMemory mem = new PhysicalMemory(1 << 20);
    Assembler a = new Assembler(B).addi(A0, A0, 1).ebreak();
    byte[] bytes = a.assemble();
    mem.write(B, bytes, 0, bytes.length);
    Hart h = new Hart(mem);
    h.setPc(B);
    h.run(10);
    DecodedPage page = mem.decoded[1];

    assertThat(h.codeMapped(B, page, page.version)).isTrue();
    assertThat(h.codeMapped(B + 0x1000, page, page.version)).isFalse(); // not in the fetch TLB
    mem.write(B, bytes, 0, bytes.length); // a kernel-side write drops the decoding
    assertThat(h.codeMapped(B, page, page.version)).isFalse();
  }
}
