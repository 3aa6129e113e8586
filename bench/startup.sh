#!/usr/bin/env bash
# Start-up of the real launcher (bin/pgrunbook: JDK choice, class-data cache, JVM, picocli), by hand, not a test:
# hyperfine on --version and --help, and with a lab's inventory on status and switchover --dry-run, for Java 17 and
# for the newest JDK 24 or later, this checkout against a baseline checkout's launcher when one is given.
#
# Usage: bench/startup.sh [-b BASELINE_CHECKOUT] [-i INVENTORY] [-t SWITCHOVER_TARGET] [-r RUNS]
#   BASELINE_CHECKOUT  another checkout with its jar built (bin/pgrunbook, target/pgrunbook.jar): the "before"
#   INVENTORY          a lab's inventory (pgrunbook lab up --dir DIR): adds status and switchover --to TARGET --dry-run
# Each launcher runs with JAVA_HOME set to the JDK (both launchers honour it) and its own fresh cache directory; the
# first run of each (not timed) makes its cache. Prints hyperfine's table per command, both launchers interleaved in
# the same minute, and the CPU time (user+sys) that a loaded machine distorts less than wall time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
baseline="" inventory="" target=db2 runs=${RUNS:-10}
while getopts b:i:t:r: opt; do
  case $opt in
    b) baseline=$(cd "$OPTARG" && pwd) ;;
    i) inventory=$(readlink -f "$OPTARG") ;;
    t) target=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) sed -n '2,10p' "$0" >&2; exit 64 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "bench/startup.sh: hyperfine is not installed" >&2; exit 70; }
[ -f "$here/target/pgrunbook.jar" ] || (cd "$here" && mvn -B -ntp -q -o -DskipTests package)
if [ -n "$baseline" ] && [ ! -f "$baseline/target/pgrunbook.jar" ] && [ ! -f "$baseline/lib/pgrunbook.jar" ]; then
  echo "bench/startup.sh: $baseline has no built jar (mvn -DskipTests package there)" >&2; exit 64
fi

jdks=()
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] && jdks+=(/usr/lib/jvm/java-17-openjdk-amd64)
newest="" best=23
for jdk in /usr/lib/jvm/*; do
  v=$(sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$jdk/release" 2>/dev/null || true)
  if [ -n "$v" ] && [ "$v" -gt "$best" ] && [ -x "$jdk/bin/java" ]; then best=$v; newest=$jdk; fi
done
[ -n "$newest" ] && jdks+=("$newest")
[ -n "${JDKS:-}" ] && read -r -a jdks <<< "$JDKS"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
commands=("--version" "--help")
if [ -n "$inventory" ]; then
  commands+=("-i $inventory status" "-i $inventory switchover --to $target --dry-run")
fi
echo "# bench/startup.sh $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs"
for jdk in "${jdks[@]}"; do
  for cmd in "${commands[@]}"; do
    names=() runs_=()
    for who in after ${baseline:+before}; do
      dir=$here; [ "$who" = before ] && dir=$baseline
      cache="$work/cache-$who-${jdk##*/}"
      line="env JAVA_HOME=$jdk XDG_CACHE_HOME=$cache PGRUNBOOK_CDS=1 $dir/bin/pgrunbook $cmd"
      # the first run makes the launcher's cache for this jar and JDK; not timed
      $line >/dev/null 2>&1 || true
      names+=(-n "$who")
      runs_+=("$line")
    done
    label="${cmd/#-i $inventory /}"
    echo
    echo "## ${jdk##*/}: pgrunbook $label"
    json="$work/result.json"
    # status and the dry-run exit 1 or 2 on a degraded lab: that is their answer, not a failure of the benchmark
    hyperfine -N -i -w 1 -r "$runs" --style basic "${names[@]}" "${runs_[@]}" --export-json "$json" 2>&1 \
      | grep -E '^(Benchmark|  Time|  Range)' || true
    python3 - "$json" <<'EOF'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'  {r["command"]}: median {statistics.median(r["times"]):.3f} s wall, min {min(r["times"]):.3f} s, '
          f'cpu (user+sys) {r["user"] + r["system"]:.3f} s')
EOF
  done
done
