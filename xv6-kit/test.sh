#!/usr/bin/env bash
# test.sh XV6_TREE: the kit's end-to-end test. Copies the xv6-riscv tree
# to a temporary directory (the original is not touched), applies the kit,
# builds kernel/kernel and fs.img with xv6's own Makefile, and boots it
# under qemu-system-riscv64 with a scripted console:
#   boot 1: ckpttest a (checkpoint/kill/restore of a counter, self
#           checkpoint, wait restart, every refusal code, crash-safe
#           replacement); ckpttest reader, then "restore /rd.img" and a
#           typed line that the restored console reader must receive;
#   boot 2: same fs.img: ckpttest b (a counter restored after the reboot
#           finishes exactly as an uninterrupted run), then usertests -q;
# then, outside: xv6ckpt fsck on fs.img, and each image pulled out with
# xv6ckpt get and judged valid by the spec's decoder (xv6ckpt inspect).
# (The CLI is built by ./xv6ckpt on first use, or by mvn package/verify.)
# Exit 0 only if everything passed; 1 on a failed check; 2 on bad usage or
# a missing tool. Environment: QEMU (default qemu-system-riscv64), CPUS
# (default 3, as xv6's Makefile), KEEP=1 keeps the work directory,
# TIMEOUT_SCALE multiplies every timeout (default 1), SKIP_USERTESTS=1,
# PLANT=NAME builds the kit with a planted bug that the test must catch:
#   crc          the CRC-32C table is built from a wrong polynomial, in the
#                writer and the reader alike (only the spec's decoder sees it)
#   zombie       an exited target is refused with CKPT_BUSY, not CKPT_ZOMBIE
#   restartpc    a target captured inside a call is written with pc past
#                its ecall instead of on it
#   allornothing restore closes the caller's descriptors above 2 before it
#                has checked the image
set -uo pipefail

usage() {
  sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() { echo "test.sh: $*" >&2; exit 2; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { usage >&2; exit 2; }

case "$1" in
  *'${'*) die "no xv6-riscv tree given: use -Dxv6.src=PATH or XV6_SRC=PATH (got '$1')" ;;
esac
KIT=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$KIT/.." && pwd)
SRC=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
QEMU=${QEMU:-qemu-system-riscv64}
CPUS=${CPUS:-3}
SCALE=${TIMEOUT_SCALE:-1}
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-misc)"
command -v make >/dev/null || die "make not found"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xv6-kit-test.XXXXXX")
T=$WORK/xv6
LOG=$WORK/console.log
QPID=
cleanup() {
  [ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    echo "test.sh: work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

FAILED=0
pass() { echo "test.sh: ok   $*"; }
failed() { echo "test.sh: FAIL $*"; FAILED=$((FAILED + 1)); }

echo "test.sh: copying $SRC to $T"
mkdir -p "$T"
(cd "$SRC" && tar --exclude=.git -cf - .) | (cd "$T" && tar -xf -) || die "cannot copy $SRC"
make -s -C "$T" clean >/dev/null 2>&1
"$KIT/apply.sh" "$T" || die "apply.sh failed"
plant() { # plant SED-EXPRESSION: edits the copy's checkpoint.c, or dies
  cp "$T/kernel/checkpoint.c" "$WORK/checkpoint.c.orig"
  sed -i -e "$1" "$T/kernel/checkpoint.c"
  cmp -s "$T/kernel/checkpoint.c" "$WORK/checkpoint.c.orig" && die "PLANT=$PLANT did not apply"
  echo "test.sh: planted bug '$PLANT' in the copy's kernel/checkpoint.c"
}
. "$KIT/plants.sh"
if [ -n "${PLANT:-}" ]; then
  expr=$(plant_expr "$PLANT") || die "PLANT=$PLANT: unknown plant (see --help)"
  plant "$expr"
fi
echo "test.sh: building kernel/kernel fs.img"
if ! make -C "$T" kernel/kernel fs.img >"$WORK/build.log" 2>&1; then
  tail -30 "$WORK/build.log" >&2
  die "the build failed (log above)"
fi
pass "apply.sh and make kernel/kernel fs.img"

# --- a scripted console: qemu reads a FIFO, writes a log we poll

boot() { # boot NAME
  : >"$LOG.$1"
  LOG_NOW=$LOG.$1
  rm -f "$WORK/in"
  mkfifo "$WORK/in"
  (cd "$T" && exec "$QEMU" -machine virt -bios none -kernel kernel/kernel -m 128M \
      -smp "$CPUS" -nographic -global virtio-mmio.force-legacy=false \
      -drive file=fs.img,if=none,format=raw,id=x0 \
      -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0 \
      <"$WORK/in" >"$LOG_NOW" 2>&1) &
  QPID=$!
  exec 3>"$WORK/in"
  PROMPTS=0
  wait_prompt 120 || { tail -20 "$LOG_NOW" >&2; die "xv6 did not reach the shell prompt"; }
}

halt() {
  exec 3>&-
  kill "$QPID" 2>/dev/null
  wait "$QPID" 2>/dev/null
  QPID=
}

count_prompts() { grep -o '\$ ' "$LOG_NOW" 2>/dev/null | wc -l; }

# wait_prompt SECONDS: until the shell prints one more prompt.
wait_prompt() {
  local limit=$(( $1 * SCALE * 5 )) i=0 n
  while [ $i -lt $limit ]; do
    n=$(count_prompts)
    if [ "$n" -gt "$PROMPTS" ]; then
      PROMPTS=$n
      return 0
    fi
    grep -q '^panic: ' "$LOG_NOW" && return 1
    sleep 0.2
    i=$((i + 1))
  done
  return 1
}

# run CMD SECONDS: types CMD and waits for the next prompt.
run() {
  printf '%s\n' "$1" >&3
  if ! wait_prompt "$2"; then
    failed "'$1' did not finish within $2 s (or the kernel panicked)"
    return 1
  fi
}

# expect_line REGEX WHAT: the log of this boot has a line matching REGEX.
expect_line() {
  if grep -Eq "$1" "$LOG_NOW"; then pass "$2"; else failed "$2 (no line matching '$1')"; fi
}

echo "test.sh: boot 1"
boot 1
run "ckpttest a" 900
grep 'ckpttest' "$LOG_NOW" | grep -v '^\$ ckpttest' | sed 's/^/  /'
expect_line '^ckpttest a: ALL PASSED' "ckpttest a (one boot: capture, restore, refusals, replacement)"
run "ckpttest reader" 120
expect_line '^ckpttest reader: ALL PASSED' "a process inside a console read is checkpointed"
printf '%s\n' "restore /rd.img" >&3
sleep $((3 * SCALE))
printf '%s\n' "typed-after-restore" >&3
wait_prompt 60 || failed "restore /rd.img did not return to the shell"
expect_line '^reader got: typed-after-restore' "the restored reader re-issues its read and gets the typed line"
expect_line 'restore: CRC_MISMATCH \(-15\)' "the kernel names a damaged image's rule on the console"
if grep -q '^panic: ' "$LOG_NOW"; then failed "kernel panic in boot 1"; fi
halt

echo "test.sh: boot 2 (the same fs.img)"
boot 2
run "ckpttest b" 300
grep 'ckpttest' "$LOG_NOW" | grep -v '^\$ ckpttest' | sed 's/^/  /'
expect_line '^ckpttest b: ALL PASSED' "a counter restored after a reboot finishes as the uninterrupted run"
if [ "${SKIP_USERTESTS:-0}" != 1 ]; then
  echo "test.sh: usertests -q (minutes under qemu)"
  run "usertests -q" 3600
  expect_line '^ALL TESTS PASSED' "usertests -q on the kit's kernel"
  grep -E '^test .*FAILED|^FAILED' "$LOG_NOW" | sed 's/^/  /'
fi
if grep -q '^panic: ' "$LOG_NOW"; then failed "kernel panic in boot 2"; fi
halt

# --- outside truth: the project's fsck and the spec's decoder

CLI="$REPO/xv6ckpt"
if [ -x "$CLI" ]; then
  if "$CLI" fsck "$T/fs.img" >"$WORK/fsck.txt" 2>&1; then
    pass "xv6ckpt fsck: fs.img is clean after both boots"
  else
    sed 's/^/  /' "$WORK/fsck.txt"
    failed "xv6ckpt fsck reports fs.img"
  fi
  for img in /c.img /self.img /w.img /boot.img /rd.img; do
    out="$WORK/$(basename "$img")"
    if ! "$CLI" get "$T/fs.img" "$img" "$out" >"$WORK/get.txt" 2>&1; then
      sed 's/^/  /' "$WORK/get.txt"
      failed "xv6ckpt get $img"
      continue
    fi
    if "$CLI" inspect "$out" >"$WORK/inspect.txt" 2>&1; then
      pass "xv6ckpt inspect: $img is a valid image under the spec ($(wc -c <"$out") bytes)"
    else
      sed 's/^/  /' "$WORK/inspect.txt"
      failed "xv6ckpt inspect: $img"
    fi
  done
else
  failed "$CLI not found: cannot check the images against the spec"
fi

if [ "$FAILED" -eq 0 ]; then
  echo "test.sh: ALL PASSED"
  exit 0
fi
echo "test.sh: $FAILED FAILED (console logs: KEEP=1 keeps $WORK)"
exit 1
