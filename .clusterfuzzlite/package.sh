#!/bin/bash
# ClusterFuzzLite packaging step: turns an already-built harness into OSS-Fuzz's JVM layout in
# $OUT. build.sh runs it after Maven; HarnessPackagingTest runs it alone on the class path that
# Maven's test phase already has (Maven inside Maven would be slow and recursive).
#
# What it writes into $OUT, for every target in FuzzTargets (listed by FuzzTargetTable):
#   <target>                    executable launcher: runs $this_dir/jazzer_driver with --cp,
#                               --target_class, --instrumentation_includes, then "$@"
#   <target>_seed_corpus.zip    corpus/<target>/ (flat, names kept), if that folder has files
# and, once: the project's jars (class folders are jarred), and a jazzer_driver if none is there.
#
# Environment:
#   OUT                  (required) the output folder
#   PROJECT_CLASSPATH    (required) the harness's runtime class path, ':'-separated, jars or
#                        class folders (build.sh: harness/target/xv6ckpt.jar and target/lib/*)
#   JAVA_HOME            the JDK (default: the one `java` on PATH belongs to)
#   JVM_LD_LIBRARY_PATH  where libjvm.so is, baked into the launchers as OSS-Fuzz does
#                        (default: $JAVA_HOME/lib/server)
#   JAZZER_JAR, JAZZER_API_PATH
#                        only without Docker: OSS-Fuzz's compile step copies its native
#                        jazzer_driver and jazzer_agent_deploy.jar into $OUT before build.sh;
#                        outside that image there is none, so these name Jazzer's standalone
#                        jar (com.code-intelligence:jazzer) and its API jar, and a small
#                        jazzer_driver script taking the native driver's flags is written.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "package.sh: $*" >&2; exit 2; }

[ -n "${OUT:-}" ] || die "OUT is not set (the folder to write the fuzzers into)"
[ -n "${PROJECT_CLASSPATH:-}" ] || die "PROJECT_CLASSPATH is not set (the harness's runtime class path)"
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
java="$JAVA_HOME/bin/java"
[ -x "$java" ] || die "no java at $java (set JAVA_HOME)"
jvm_lib="${JVM_LD_LIBRARY_PATH:-$JAVA_HOME/lib/server}"
mkdir -p "$OUT"

# 1. The project's jars, flat in $OUT as OSS-Fuzz's runtime expects. A class folder
#    (<module>/target/classes) becomes <module>-classes.jar.
runtime_cp=""
IFS=: read -r -a entries <<< "$PROJECT_CLASSPATH"
for entry in "${entries[@]}"; do
  [ -n "$entry" ] || continue
  if [ -d "$entry" ]; then
    name="$(basename "$(dirname "$(dirname "$(readlink -f "$entry")")")")-$(basename "$entry").jar"
    (cd "$entry" && find . -type f | LC_ALL=C sort | zip -q -X -@ "$OUT/$name.tmp")
    mv "$OUT/$name.tmp" "$OUT/$name"
  elif [ -f "$entry" ]; then
    name="$(basename "$entry")"
    cp "$entry" "$OUT/$name"
  else
    die "class path entry $entry does not exist (build the harness first)"
  fi
  runtime_cp="$runtime_cp${runtime_cp:+:}\$this_dir/$name"
done

# 2. One launcher and one seed corpus per target, in OSS-Fuzz's JVM shape.
targets="$("$java" -cp "$PROJECT_CLASSPATH" xv6ckpt.harness.fuzz.FuzzTargetTable)" \
  || die "could not list the targets (is xv6ckpt.harness.fuzz.FuzzTargetTable on PROJECT_CLASSPATH?)"
while IFS=$'\t' read -r target class includes; do
  cat > "$OUT/$target" <<EOF
#!/bin/bash
# LLVMFuzzerTestOneInput for fuzzer detection.
# xv6-ckpt fuzz target $target, written by .clusterfuzzlite/package.sh.
this_dir=\$(dirname "\$0")
LD_LIBRARY_PATH="$jvm_lib:\$this_dir" \\
"\$this_dir/jazzer_driver" --agent_path="\$this_dir/jazzer_agent_deploy.jar" \\
  --cp="$runtime_cp" \\
  '--target_class=$class' \\
  '--instrumentation_includes=$includes' \\
  --jvm_args="-Xmx2048m:-Xss8m" \\
  "\$@"
EOF
  chmod 0755 "$OUT/$target"

  seeds="$repo/corpus/$target"
  rm -f "$OUT/${target}_seed_corpus.zip"
  if [ -d "$seeds" ] && [ -n "$(find "$seeds" -maxdepth 1 -type f -print -quit)" ]; then
    (cd "$seeds" && find . -maxdepth 1 -type f | LC_ALL=C sort | zip -q -X -@ "$OUT/${target}_seed_corpus.zip")
  fi
  echo "package.sh: $target -> $OUT/$target ($class)" >&2
done <<< "$targets"

# 3. Without OSS-Fuzz's image: a jazzer_driver that takes the native driver's flags (--cp,
#    --jvm_args, --additional_jvm_args, --agent_path) and starts Jazzer's Java entry point.
if [ ! -e "$OUT/jazzer_driver" ]; then
  [ -n "${JAZZER_JAR:-}" ] && [ -f "$JAZZER_JAR" ] \
    || die "no jazzer_driver in $OUT and JAZZER_JAR does not name Jazzer's standalone jar"
  [ -n "${JAZZER_API_PATH:-}" ] && [ -f "$JAZZER_API_PATH" ] \
    || die "no jazzer_driver in $OUT and JAZZER_API_PATH does not name Jazzer's API jar"
  cp "$JAZZER_JAR" "$OUT/jazzer_agent_deploy.jar"
  cp "$JAZZER_API_PATH" "$OUT/jazzer_api_deploy.jar"
  cat > "$OUT/jazzer_driver" <<EOF
#!/bin/bash
# Stand-in for OSS-Fuzz's native jazzer_driver, written by .clusterfuzzlite/package.sh because
# this \$OUT was built outside OSS-Fuzz's base image. Same flags; runs Jazzer's Java entry point.
# (':' inside a --jvm_args value is always a separator here; the launchers need no escapes.)
this_dir=\$(dirname "\$0")
java="\${JAVA_HOME:-$JAVA_HOME}/bin/java"
agent="\$this_dir/jazzer_agent_deploy.jar"
cp=""
jvm=()
rest=()
for arg in "\$@"; do
  case "\$arg" in
    --agent_path=*) agent="\${arg#*=}" ;;
    --cp=*) cp="\${arg#*=}" ;;
    --jvm_args=*|--additional_jvm_args=*) IFS=: read -r -a more <<< "\${arg#*=}"; jvm+=("\${more[@]}") ;;
    *) rest+=("\$arg") ;;
  esac
done
exec "\$java" "\${jvm[@]}" -cp "\$cp:\$agent:\$this_dir/jazzer_api_deploy.jar" \\
  com.code_intelligence.jazzer.Jazzer "\${rest[@]}"
EOF
  chmod 0755 "$OUT/jazzer_driver"
  echo "package.sh: no native jazzer_driver in $OUT; wrote a stand-in for Jazzer's standalone jar" >&2
fi
