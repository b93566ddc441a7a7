package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import org.junit.jupiter.api.Test;

/**
 * Decoded forms read back: mnemonics, and the fields of the packed LOAD/STORE layouts. The
 * encodings and mnemonics come from GNU as/objdump 2.40 (-M no-aliases), not from this decoder.
 */
class DecoderTest {

  @Test
  void mnemonicsMatchObjdump() {
    Object[][] table = {
      {0x00158503, "lb"},
      {0x00159503, "lh"},
      {0x0015a503, "lw"},
      {0x0015b503, "ld"},
      {0x0015c503, "lbu"},
      {0x0015d503, "lhu"},
      {0x0015e503, "lwu"},
      {0xfea58ea3, "sb"},
      {0xfea59ea3, "sh"},
      {0xfea5aea3, "sw"},
      {0xfea5bea3, "sd"},
      {0x02c5a533, "mulhsu"},
      {0x02c5f53b, "remuw"},
      {0xe0b6352f, "amomaxu.d"},
      {0x1006252f, "lr.w"},
      {0x4035d51b, "sraiw"},
    };
    for (Object[] row : table) {
      int bits = (Integer) row[0];
      assertWithMessage(Integer.toHexString(bits))
          .that(Decoder.name(Decoder.decode32(bits)))
          .isEqualTo(row[1]);
    }
    assertThat(Decoder.name(Decoder.decode32(0xc0202573))).isEqualTo("rdcounter"); // csrrs instret
    assertThat(Decoder.name(Decoder.decode32(0xffffffff))).isEqualTo("illegal");
  }

  @Test
  void loadAndStoreLayoutsKeepOperandsAndSizes() {
    long lw = Decoder.decode32(0x0015a503); // lw a0, 1(a1)
    assertThat(Insn.op(lw)).isEqualTo(RvI.LOAD);
    assertThat(Insn.rd(lw)).isEqualTo(10);
    assertThat(Insn.rs1(lw)).isEqualTo(11);
    assertThat(RvI.loadSize(lw)).isEqualTo(4);
    assertThat(lw >> 52).isEqualTo(1); // offset
    long sd = Decoder.decode32(0xfea5bea3); // sd a0, -3(a1)
    assertThat(Insn.op(sd)).isEqualTo(RvI.STORE);
    assertThat(Insn.rs1(sd)).isEqualTo(11);
    assertThat(Insn.rs2(sd)).isEqualTo(10);
    assertThat(RvI.storeSize(sd)).isEqualTo(8);
    assertThat(Insn.imm(sd)).isEqualTo(3); // kept negated
    assertThat(Insn.halfwords(sd)).isEqualTo(2);
  }
}
