#!/bin/sh
# apply.sh XV6_TREE: adds xv6-ckpt's checkpoint kit to an xv6-riscv checkout
# so that `make kernel/kernel fs.img` builds a kernel with checkpoint (22)
# and restore (23). Idempotent: a second run changes nothing. Exit 0 when
# the tree has the kit, 2 on bad usage or a tree it cannot edit (nothing is
# changed then).
set -eu

usage() {
  cat <<'EOF'
usage: apply.sh XV6_TREE

Adds the checkpoint kit to an unmodified xv6-riscv checkout:
  copies kernel/checkpoint.c, kernel/checkpoint.h and the user programs
  ckpt, restore and ckpttest into the tree, and edits kernel/syscall.h,
  kernel/syscall.c, kernel/defs.h, user/user.h, user/usys.pl and the
  Makefile (OBJS, UPROGS). Then: make kernel/kernel fs.img

Running it again on the same tree changes nothing.
Exit status: 0 applied (or already applied), 2 bad usage or a tree that is
not xv6-riscv or already uses system calls 22/23 for something else.
EOF
}

die() {
  echo "apply.sh: $*" >&2
  exit 2
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { usage >&2; exit 2; }

KIT=$(cd "$(dirname "$0")" && pwd)
T=$1
[ -d "$T" ] || die "$T: no such directory"
for f in Makefile kernel/syscall.h kernel/syscall.c kernel/defs.h kernel/proc.c \
         kernel/sysfile.c user/user.h user/usys.pl; do
  [ -f "$T/$f" ] || die "$T: not an xv6-riscv tree ($f is missing)"
done
grep -q 'SYS_close' "$T/kernel/syscall.h" && grep -q 'UPROGS' "$T/Makefile" \
  && grep -q '^OBJS' "$T/Makefile" \
  || die "$T: not an xv6-riscv tree (no SYS_close in kernel/syscall.h or no OBJS/UPROGS in Makefile)"

# Refuse a tree whose system calls 22 or 23 are someone else's.
for n in 22 23; do
  other=$(awk -v n="$n" '$1 == "#define" && $3 == n && $2 != "SYS_checkpoint" && $2 != "SYS_restore" { print $2 }' \
    "$T/kernel/syscall.h")
  [ -z "$other" ] || die "$T: system call $n is already $other; the kit needs 22 and 23"
done
if grep -q 'SYS_checkpoint' "$T/kernel/syscall.h" \
   && ! grep -Eq '^#define[[:space:]]+SYS_checkpoint[[:space:]]+22$' "$T/kernel/syscall.h"; then
  die "$T: SYS_checkpoint is defined with another number"
fi
if grep -q 'SYS_restore' "$T/kernel/syscall.h" \
   && ! grep -Eq '^#define[[:space:]]+SYS_restore[[:space:]]+23$' "$T/kernel/syscall.h"; then
  die "$T: SYS_restore is defined with another number"
fi
# The dispatch table rows and syscall() the kit routes through itself.
sc="$T/kernel/syscall.c"
for row in read open sleep; do
  grep -Eq "^\[SYS_$row\][[:space:]]+(ck_)?sys_$row," "$sc" \
    || die "$sc: no row [SYS_$row] sys_$row, in the table; is this xv6-riscv?"
done
grep -Eq '^(ck_syscall_inner\(void\)|syscall\(void\)$)' "$sc" \
  || die "$sc: no function syscall(void); is this xv6-riscv?"
grep -q '^extern uint64 sys_close(void);$' "$sc" \
  || die "$sc: no 'extern uint64 sys_close(void);' line to add the kit's after"
grep -Eq '^\[SYS_close\][[:space:]]+sys_close,$' "$sc" \
  || die "$sc: no '[SYS_close] sys_close,' row to add the kit's after"

grep -q '^int uptime(void);$' "$T/user/user.h" || grep -q 'int checkpoint(' "$T/user/user.h" \
  || die "$T/user/user.h: no 'int uptime(void);' line to add the kit's after"
grep -Eq '^[[:space:]]*\$K/sysfile\.o[[:space:]]*\\$' "$T/Makefile" || grep -q 'checkpoint\.o' "$T/Makefile" \
  || die "$T/Makefile: no '\$K/sysfile.o \\' line in OBJS to add the kit's after"
grep -Eq '^UPROGS[[:space:]]*=' "$T/Makefile" || die "$T/Makefile: no UPROGS= line"

# From here on the tree is changed; every step checks first whether it is done.

copy() { # copy SRC DST: only when different, so a second run touches nothing
  if ! cmp -s "$1" "$2"; then
    cp "$1" "$2"
  fi
}
copy "$KIT/kernel/checkpoint.c" "$T/kernel/checkpoint.c"
copy "$KIT/kernel/checkpoint.h" "$T/kernel/checkpoint.h"
for p in ckpt restore ckpttest; do
  copy "$KIT/user/$p.c" "$T/user/$p.c"
done

# edit FILE AWK-PROGRAM: rewrites FILE through awk when the result differs.
edit() {
  f=$1
  shift
  awk "$@" "$f" > "$f.kit.tmp"
  if cmp -s "$f" "$f.kit.tmp"; then
    rm -f "$f.kit.tmp"
  else
    mv "$f.kit.tmp" "$f"
  fi
}

h="$T/kernel/syscall.h"
grep -q 'SYS_checkpoint' "$h" || printf '#define SYS_checkpoint 22\n' >> "$h"
grep -q 'SYS_restore' "$h" || printf '#define SYS_restore 23\n' >> "$h"

if ! grep -q 'sys_checkpoint' "$sc"; then
  edit "$sc" '
    { print }
    /^extern uint64 sys_close\(void\);$/ {
      print "extern uint64 sys_checkpoint(void);"
      print "extern uint64 sys_restore(void);"
      print "extern uint64 ck_sys_open(void);   // checkpoint.c: open that keeps the path"
      print "extern uint64 ck_sys_read(void);   // checkpoint.c: read that continues a restored one"
      print "extern uint64 ck_sys_sleep(void);  // checkpoint.c: sleep that shows its progress"
    }
    /^\[SYS_close\][ \t]+sys_close,$/ {
      print "[SYS_checkpoint] sys_checkpoint,"
      print "[SYS_restore] sys_restore,"
    }'
fi
edit "$sc" '
  /^\[SYS_(read|open|sleep)\][ \t]+sys_/ { sub(/sys_/, "ck_sys_") }
  /^syscall\(void\)$/ { $0 = "ck_syscall_inner(void)  // wrapped by syscall() in checkpoint.c" }
  { print }'

d="$T/kernel/defs.h"
grep -q '^// checkpoint.c' "$d" || cat >> "$d" <<'EOF'

// checkpoint.c
uint64          sys_checkpoint(void);
uint64          sys_restore(void);
void            ck_syscall_inner(void);
EOF

u="$T/user/user.h"
grep -q 'int checkpoint(' "$u" || edit "$u" '
  { print }
  /^int uptime\(void\);$/ {
    print "int checkpoint(int, const char*);"
    print "int restore(const char*);"
  }'
grep -q 'int checkpoint(' "$u" || die "$u: no 'int uptime(void);' line to add the kit's after"

y="$T/user/usys.pl"
grep -q 'entry("checkpoint");' "$y" || printf 'entry("checkpoint");\n' >> "$y"
grep -q 'entry("restore");' "$y" || printf 'entry("restore");\n' >> "$y"

m="$T/Makefile"
grep -q 'checkpoint\.o' "$m" || edit "$m" '
  { print }
  /^[ \t]*\$K\/sysfile\.o[ \t]*\\$/ { print "  $K/checkpoint.o \\" }'
grep -q 'checkpoint\.o' "$m" || die "$m: no '\$K/sysfile.o \\' line in OBJS to add the kit's after"
grep -q '_ckpttest' "$m" || edit "$m" '
  /^UPROGS[ \t]*=/ { print; print "\t$U/_ckpt\\"; print "\t$U/_restore\\"; print "\t$U/_ckpttest\\"; next }
  { print }'
grep -q '_ckpttest' "$m" || die "$m: no UPROGS= line to add the kit's programs after"

echo "apply.sh: the checkpoint kit is in $T; build with: make -C $T kernel/kernel fs.img"
