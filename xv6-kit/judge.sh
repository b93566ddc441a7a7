#!/usr/bin/env bash
# judge.sh XV6_TREE: the harness judges the kit (issue 13): "finds nothing
# on the kit, finds each plant". Copies the xv6-riscv tree once per build
# (the original is not touched), applies the kit, builds kernel/kernel and
# fs.img clean and once per planted bug (plants.sh, as test.sh PLANT=), then
# runs the harness's C-kernel targets on the full-system machine:
#   clean kit: replay corpus/restore-image, corpus/isolation and
#              corpus/syscall-args, then a campaign of restore-image,
#              isolation and syscall-args (CAMPAIGN_BUDGET each); any failing
#              entry or new finding fails the run;
#   clean kit: also the sweeps `crash` (power cuts, CRASH_POINTS cuts) and
#              `transparency` (checkpoint at instants, reboot, restore;
#              TRANSPARENCY_POINTS instants): any violation fails the run;
#   each plant: replay the restore-image seeds (corpus/restore-image/seed-*
#              and kit-scene-*), else the isolation seeds (corpus/isolation),
#              else the crash sweep, else the transparency sweep (that order
#              and those counts are the plant budget); the plant must be found
#              by one of them, else the run fails.
# Prints per build what was run, how long it took and its first failing
# entries (all of them: WORK/NAME.replay.log, bug reports in WORK/reports).
# Exit 0 only if the clean kit gave nothing and every plant was found; 1
# otherwise; 2 on bad usage, a missing tool or a build that failed.
# Environment: WORK (a directory for the builds and reports; default a
# temporary one, removed unless KEEP=1), CAMPAIGN_BUDGET (default 60s per
# target; 0 skips the campaign), PLANTS (default: every plant of plants.sh),
# SKIP_SYSCALL_ARGS=1 (leave out syscall-args' replay and campaign),
# CRASH_POINTS (default 24), TRANSPARENCY_POINTS (default 16).
# Needs make and riscv64-unknown-elf-gcc (xv6's Makefile finds it), java.
set -uo pipefail

usage() {
  sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() { echo "judge.sh: $*" >&2; exit 2; }

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
[ -f "$SRC/kernel/main.c" ] || die "$SRC: not an xv6-riscv tree (no kernel/main.c)"
command -v make >/dev/null || die "make not found"
command -v java >/dev/null || die "java not found"
WANTED=${PLANTS:-}
. "$KIT/plants.sh"
PLANTS="$PLANTS $JUDGE_PLANTS"
[ -n "$WANTED" ] && PLANTS=$WANTED
CRASH_POINTS=${CRASH_POINTS:-24}
TRANSPARENCY_POINTS=${TRANSPARENCY_POINTS:-16}
BUDGET=${CAMPAIGN_BUDGET:-60s}
CLI="$REPO/xv6ckpt"

if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK" || die "cannot make $WORK"
  WORK=$(cd "$WORK" && pwd)
  OWN=0
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/xv6-kit-judge.XXXXXX")
  OWN=1
fi
cleanup() {
  if [ "$OWN" = 1 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else
    echo "judge.sh: work directory kept: $WORK" >&2; fi
}
trap cleanup EXIT

FAILED=0
pass() { echo "judge.sh: ok   $*"; }
failed() { echo "judge.sh: FAIL $*"; FAILED=$((FAILED + 1)); }

build() { # build NAME [SED-EXPRESSION]: WORK/NAME with the kit (and the plant) built
  local t="$WORK/$1"
  rm -rf "$t" && mkdir -p "$t"
  (cd "$SRC" && tar --exclude=.git -cf - .) | (cd "$t" && tar -xf -) || die "cannot copy $SRC"
  make -s -C "$t" clean >/dev/null 2>&1
  "$KIT/apply.sh" "$t" >/dev/null || die "apply.sh failed on $t"
  if [ $# -eq 2 ]; then
    cp "$t/kernel/checkpoint.c" "$WORK/$1.orig.c"
    sed -i -e "$2" "$t/kernel/checkpoint.c"
    cmp -s "$t/kernel/checkpoint.c" "$WORK/$1.orig.c" && die "plant $1 did not apply"
  fi
  if ! make -C "$t" kernel/kernel fs.img >"$WORK/$1.build.log" 2>&1; then
    tail -30 "$WORK/$1.build.log" >&2
    die "the build of $1 failed (log above)"
  fi
}

# replay NAME PATH...: replays on WORK/NAME's kernel; sets RC and prints the FAIL lines
replay() {
  local name=$1 start end
  shift
  start=$(date +%s)
  "$CLI" replay --kernel "$WORK/$name/kernel/kernel" --fs "$WORK/$name/fs.img" \
    --report-dir "$WORK/reports/$name" "$@" >"$WORK/$name.replay.log" 2>&1
  RC=$?
  end=$(date +%s)
  ELAPSED=$((end - start))
  # the first three failing entries (all of them are in the log and the bug reports)
  grep -E '^(FAIL|OPEN)' "$WORK/$name.replay.log" | head -3 | cut -c1-300 \
    | sed 's/^/judge.sh:      /'
  tail -1 "$WORK/$name.replay.log" | sed 's/^/judge.sh:      /'
}

echo "judge.sh: building the kit clean and with ${PLANTS} (in $WORK)"
build clean
for p in $PLANTS; do
  e=$(plant_expr "$p") || die "unknown plant $p (plants.sh)"
  build "$p" "$e"
done
pass "apply.sh and make kernel/kernel fs.img, clean and $(echo $PLANTS | wc -w) plants"

CORPORA=("$REPO/corpus/restore-image" "$REPO/corpus/isolation")
TARGETS=restore-image,isolation
if [ "${SKIP_SYSCALL_ARGS:-0}" != 1 ]; then
  CORPORA+=("$REPO/corpus/syscall-args")
  TARGETS=restore-image,isolation,syscall-args
fi
replay clean "${CORPORA[@]}"
if [ "$RC" = 0 ]; then
  pass "clean kit: corpus replay finds nothing (${ELAPSED} s)"
else
  failed "clean kit: corpus replay exit $RC (${ELAPSED} s): a kit bug or a harness false positive"
fi
if [ "$BUDGET" != 0 ]; then
  start=$(date +%s)
  "$CLI" campaign --kernel "$WORK/clean/kernel/kernel" --fs "$WORK/clean/fs.img" \
    --targets "$TARGETS" --per-target "$BUDGET" --report-dir "$WORK/reports/campaign" \
    >"$WORK/campaign.log" 2>&1
  RC=$?
  end=$(date +%s)
  sed 's/^/judge.sh:      /' "$WORK/campaign.log" | tail -6
  if [ "$RC" = 0 ]; then
    pass "clean kit: campaign of $TARGETS, $BUDGET each, finds nothing ($((end - start)) s)"
  else
    failed "clean kit: campaign exit $RC (report in $WORK/reports/campaign)"
  fi
fi

# sweep NAME COMMAND POINTS: runs crash or transparency on WORK/NAME's kernel; sets RC, ELAPSED
sweep() {
  local name=$1 command=$2 points=$3 start end
  start=$(date +%s)
  "$CLI" "$command" --kernel "$WORK/$name/kernel/kernel" --fs "$WORK/$name/fs.img" \
    --points "$points" >"$WORK/$name.$command.log" 2>"$WORK/$name.$command.err"
  RC=$?
  end=$(date +%s)
  ELAPSED=$((end - start))
  grep '^VIOLATION' "$WORK/$name.$command.log" | head -2 | cut -c1-300 | sed 's/^/judge.sh:      /'
  tail -1 "$WORK/$name.$command.err" | sed 's/^/judge.sh:      /'
}

for c in crash:$CRASH_POINTS transparency:$TRANSPARENCY_POINTS; do
  sweep clean "${c%%:*}" "${c##*:}"
  if [ "$RC" = 0 ]; then
    pass "clean kit: ${c%%:*} sweep, ${c##*:} points, finds nothing (${ELAPSED} s)"
  else
    failed "clean kit: ${c%%:*} sweep exit $RC (WORK/clean.${c%%:*}.log)"
  fi
done

SEEDS=("$REPO"/corpus/restore-image/seed-* "$REPO"/corpus/restore-image/kit-scene-*)
ISOLATION=("$REPO"/corpus/isolation/seed-*)
for p in $PLANTS; do
  replay "$p" "${SEEDS[@]}"
  if [ "$RC" = 1 ]; then
    pass "plant $p found by restore-image within its ${#SEEDS[@]} seeds (${ELAPSED} s)"
    continue
  fi
  replay "$p" "${ISOLATION[@]}"
  if [ "$RC" = 1 ]; then
    pass "plant $p found by isolation within its ${#ISOLATION[@]} seeds (${ELAPSED} s)," \
      "not by the restore-image seeds"
    continue
  fi
  found=""
  for c in crash:$CRASH_POINTS transparency:$TRANSPARENCY_POINTS; do
    sweep "$p" "${c%%:*}" "${c##*:}"
    if [ "$RC" = 1 ]; then
      found="${c%%:*} sweep at ${c##*:} points (${ELAPSED} s)"
      break
    fi
  done
  if [ -n "$found" ]; then
    pass "plant $p found by the $found, not by the restore-image or isolation seeds"
  else
    failed "plant $p found by neither the restore-image or isolation seeds nor the sweeps"
  fi
done

if [ "$FAILED" = 0 ]; then
  echo "judge.sh: all passed"
  exit 0
fi
echo "judge.sh: $FAILED check(s) failed"
exit 1
