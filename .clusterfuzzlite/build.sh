#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build (language: jvm). The image's compile step runs this in the
# Dockerfile's WORKDIR, the repository, with $OUT set and Jazzer's jazzer_driver and
# jazzer_agent_deploy.jar already copied into $OUT.
#
# Two steps: (1) Maven builds the harness jar and copies its runtime dependencies
# (harness/target/xv6ckpt.jar, harness/target/lib/*.jar); (2) package.sh writes the launchers,
# jars and seed corpora into $OUT. HarnessPackagingTest runs step 2 alone (see harness/README.md).
#
# Without Docker, from the repository root:
#   OUT=/tmp/cfl-out .clusterfuzzlite/build.sh
# finds Jazzer's standalone jar in Maven's resolved test class path and has package.sh write a
# jazzer_driver stand-in (OSS-Fuzz's image puts its native one in $OUT instead).
set -o pipefail
repo="$(pwd)"
if [ ! -f "$repo/.clusterfuzzlite/package.sh" ]; then
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fi
[ -f "$repo/.clusterfuzzlite/package.sh" ] || { echo "build.sh: run me from the repository root" >&2; exit 2; }
: "${OUT:?OUT must name the output folder}"
cd "$repo"

# Step 1: the harness and its runtime class path (tests are CI's business, not the fuzzers').
mvn -B -q -Dmaven.test.skip=true package

harness="$repo/harness/target"
PROJECT_CLASSPATH="$harness/xv6ckpt.jar"
for jar in "$harness"/lib/*.jar; do
  PROJECT_CLASSPATH="$PROJECT_CLASSPATH:$jar"
done
export PROJECT_CLASSPATH

# Outside OSS-Fuzz's image: Jazzer as Maven resolved it (target/fuzz-classpath.txt).
if [ ! -e "$OUT/jazzer_driver" ]; then
  fuzz_cp="$(cat "$harness/fuzz-classpath.txt")"
  IFS=: read -r -a fuzz_jars <<< "$fuzz_cp"
  for jar in "${fuzz_jars[@]}"; do
    case "$(basename "$jar")" in
      jazzer-api-*.jar) export JAZZER_API_PATH="${JAZZER_API_PATH:-$jar}" ;;
      jazzer-junit-*.jar) ;;
      jazzer-*.jar) export JAZZER_JAR="${JAZZER_JAR:-$jar}" ;;
    esac
  done
fi

# Step 2: launchers, jars and seed corpora.
bash "$repo/.clusterfuzzlite/package.sh"
