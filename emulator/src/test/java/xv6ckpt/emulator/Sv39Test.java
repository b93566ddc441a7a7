package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.Enc.*;
import static xv6ckpt.emulator.Machine.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Trap.Access;

/** The Sv39 walk seen from user programs: permissions, A/D, superpages, malformed tables. */
class Sv39Test {
  static final long CODE_VA = 0x1000, DATA_VA = 0x2000;
  static final long CODE_PA = BASE + 0x10000, DATA_PA = BASE + 0x20000;

  /** Code page: ld t1,0(t0); sd t2,0(t0); ecall. t0 = DATA_VA. */
  static Machine machine() {
    Machine m = new Machine().sv39();
    m.code(CODE_PA, ld(6, 5, 0), ECALL, sd(7, 5, 0), ECALL);
    m.map(CODE_VA, CODE_PA, URWX | A | D);
    m.hart.setX(5, DATA_VA);
    m.hart.setX(6, 11);
    m.hart.setX(7, 0x5555);
    m.mem.write64(DATA_PA, 0x1234);
    m.code(DATA_PA + 8, ECALL);
    return m;
  }

  static Trap load(Machine m) {
    m.hart.setPc(CODE_VA);
    return m.hart.run(10);
  }

  static Trap store(Machine m) {
    m.hart.setPc(CODE_VA + 8);
    return m.hart.run(10);
  }

  static Trap fetch(Machine m) {
    m.hart.setPc(DATA_VA + 8);
    return m.hart.run(10);
  }

  /** The spec's rules (4.3.2 steps 3-5), restated for one leaf at level 0. */
  static boolean allowed(long flags, Access access) {
    boolean v = (flags & V) != 0, r = (flags & R) != 0, w = (flags & W) != 0;
    boolean x = (flags & X) != 0, u = (flags & U) != 0;
    if (!v || (w && !r) || !(r || x) || !u) return false;
    switch (access) {
      case FETCH:
        return x;
      case LOAD:
        return r;
      default:
        return w;
    }
  }

  @Test
  void everyPermissionCombinationForFetchLoadStore() {
    for (int bits = 0; bits < 32; bits++) {
      long flags =
          (bits & 1) * V
              | ((bits >> 1) & 1) * R
              | ((bits >> 2) & 1) * W
              | ((bits >> 3) & 1) * X
              | ((bits >> 4) & 1) * U;
      for (Access access : Access.values()) {
        Machine m = machine();
        m.map(DATA_VA, DATA_PA, flags);
        Trap t = access == Access.FETCH ? fetch(m) : access == Access.LOAD ? load(m) : store(m);
        String what = "flags " + Long.toBinaryString(flags) + " " + access;
        long faultPc =
            access == Access.FETCH ? DATA_VA + 8 : access == Access.LOAD ? CODE_VA : CODE_VA + 8;
        if (allowed(flags, access)) {
          assertWithMessage(what).that(t).isInstanceOf(Trap.Ecall.class);
        } else {
          assertWithMessage(what)
              .that(t)
              .isEqualTo(
                  new Trap.PageFault(
                      faultPc, access, access == Access.FETCH ? DATA_VA + 8 : DATA_VA));
          // Precise: nothing changed, not even A/D.
          assertThat(m.hart.x(6)).isEqualTo(11);
          assertThat(m.mem.read64(DATA_PA)).isEqualTo(0x1234);
          assertThat(m.readPte(DATA_VA, 0)).isEqualTo(pte(DATA_PA, flags));
          assertThat(m.hart.pc()).isEqualTo(faultPc);
        }
        if (t instanceof Trap.Ecall && access == Access.LOAD) {
          assertThat(m.hart.x(6)).isEqualTo(0x1234);
        }
        if (t instanceof Trap.Ecall && access == Access.STORE) {
          assertThat(m.mem.read64(DATA_PA)).isEqualTo(0x5555);
        }
      }
    }
  }

  @Test
  void pageFaultCauseCodes() {
    Machine m = machine();
    assertThat(load(m).cause()).isEqualTo(13);
    assertThat(store(m).cause()).isEqualTo(15);
    assertThat(fetch(m).cause()).isEqualTo(12);
  }

  @Test
  void loadSetsAccessedOnlyAndStoreSetsDirty() {
    Machine m = machine();
    m.map(DATA_VA, DATA_PA, V | R | W | U);
    assertThat(load(m)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.readPte(DATA_VA, 0)).isEqualTo(pte(DATA_PA, V | R | W | U | A));
    // The load left a TLB entry; the store must still set D.
    assertThat(store(m)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.readPte(DATA_VA, 0)).isEqualTo(pte(DATA_PA, V | R | W | U | A | D));
  }

  @Test
  void fetchSetsAccessed() {
    Machine m = machine();
    m.map(DATA_VA, DATA_PA, V | X | U);
    assertThat(fetch(m)).isEqualTo(new Trap.Ecall(DATA_VA + 8));
    assertThat(m.readPte(DATA_VA, 0)).isEqualTo(pte(DATA_PA, V | X | U | A));
  }

  @Test
  void nonLeafPteAtLevelZeroIsPageFault() {
    Machine m = machine();
    m.map(DATA_VA, DATA_PA, V); // a pointer where a leaf must be
    assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, DATA_VA));
  }

  @Test
  void reservedHighBitsArePageFault() {
    for (int bit = 54; bit < 64; bit++) {
      Machine m = machine();
      m.mem.write64(m.pteAddr(DATA_VA, 0), pte(DATA_PA, URWX) | 1L << bit);
      m.hart.sfenceVma();
      assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, DATA_VA));
    }
  }

  @Test
  void megapageAndGigapageTranslate() {
    Machine m = machine();
    long mega = 0x4000_0000L; // vpn2 = 1, vpn1 = 0
    m.map(mega, BASE + 0x20_0000, URWX, 1);
    m.mem.write64(BASE + 0x20_0000 + 0x1_2340, 0xAB);
    m.hart.setX(5, mega + 0x1_2340);
    assertThat(load(m)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.hart.x(6)).isEqualTo(0xAB);
    assertThat(m.readPte(mega, 1) & A).isEqualTo(A);

    long giga = 0x8000_0000L; // vpn2 = 2, identity onto RAM
    m.map(giga, BASE, URWX, 2);
    m.mem.write64(BASE + 0x3_0008, 0xCD);
    m.hart.setX(5, giga + 0x3_0008);
    assertThat(load(m)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.hart.x(6)).isEqualTo(0xCD);
  }

  @Test
  void misalignedSuperpagesArePageFaults() {
    Machine m = machine();
    long mega = 0x4000_0000L;
    m.map(mega, BASE + 0x1000, URWX, 1); // PPN[0] != 0
    m.hart.setX(5, mega);
    assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, mega));

    long giga = 0x8000_0000L;
    m.map(giga, BASE + 0x20_0000, URWX, 2); // PPN[1] != 0
    m.hart.setX(5, giga);
    assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, giga));
  }

  @Test
  void addressesNotSignExtendedFromBit38ArePageFaults() {
    Machine m = machine();
    long bad = 1L << 39 | DATA_VA;
    m.hart.setX(5, bad);
    assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, bad));
    // A properly sign-extended high address works once mapped.
    long high = 0xFFFF_FFC0_0000_2000L; // bit 38 set, vpn2 = 256
    m.map(high, DATA_PA, URWX);
    m.hart.setX(5, high);
    assertThat(load(m)).isInstanceOf(Trap.Ecall.class);
    assertThat(m.hart.x(6)).isEqualTo(0x1234);
  }

  @Test
  void walkLeavingRamIsAccessFault() {
    Machine m = machine();
    long va = 0x7000_0000L; // vpn2 = 1
    m.mem.write64(m.root + Sv39.vpn(va, 2) * 8, pte(0x1000_0000L, V)); // table outside RAM
    m.hart.sfenceVma();
    m.hart.setX(5, va);
    Trap t = load(m);
    assertThat(t).isEqualTo(new Trap.AccessFault(CODE_VA, Access.LOAD, va));
    assertThat(t.cause()).isEqualTo(5);
  }

  @Test
  void leafOutsideRamIsAccessFault() {
    Machine m = machine();
    m.map(DATA_VA, 0x4000_0000L, URWX);
    assertThat(store(m)).isEqualTo(new Trap.AccessFault(CODE_VA + 8, Access.STORE, DATA_VA));
  }

  @Test
  void tlbKeepsOldTranslationUntilSfence() {
    Machine m = machine();
    m.map(DATA_VA, DATA_PA, URWX);
    load(m);
    assertThat(m.hart.x(6)).isEqualTo(0x1234);
    long other = BASE + 0x30000;
    m.mem.write64(other, 0x9999);
    m.mem.write64(m.pteAddr(DATA_VA, 0), pte(other, URWX | A | D));
    m.hart.sfenceVma();
    load(m);
    assertThat(m.hart.x(6)).isEqualTo(0x9999);
    m.mem.write64(m.pteAddr(DATA_VA, 0), 0);
    m.hart.setSatp(m.hart.satp()); // a satp write flushes too
    assertThat(load(m)).isEqualTo(new Trap.PageFault(CODE_VA, Access.LOAD, DATA_VA));
  }
}
