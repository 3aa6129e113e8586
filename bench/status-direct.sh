#!/usr/bin/env bash
# Benchmark by hand (not part of the test suite): `status` on an SSH lab with `connect: direct` against psql asking each
# of the four servers one query in turn, in the same minute, with hyperfine; then the probe's own time (status prints
# it) and the SSH logins one status costs (from the lab sshd's log).
# Usage: bench/status-direct.sh LAB_DIR [RUNS] [OTHER_LAUNCHER]
#   LAB_DIR: a lab built with `pgrunbook lab up --ssh --dir LAB_DIR`; its inventory-ssh.yaml is copied with
#            connect: direct. OTHER_LAUNCHER: a second bin/pgrunbook (another build) measured beside this one.
set -euo pipefail
dir=${1:?usage: bench/status-direct.sh LAB_DIR [RUNS] [OTHER_LAUNCHER]}
runs=${2:-20}
other=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
inv=$dir/inventory-ssh-direct.yaml
sed 's/^    connect: tunnel$/    connect: direct/' "$dir/inventory-ssh.yaml" > "$inv"
export PGPASSFILE=${PGPASSFILE:-$dir/pgpass}
addresses=$(sed -n 's/^        address: //p' "$inv")
psql_all="for a in $(echo $addresses); do psql -X -q -A -t -h \$a -p 5432 -U postgres -d postgres -c 'SELECT pg_is_in_recovery()' >/dev/null; done"
cmds=("$here/bin/pgrunbook -i $inv status" "$psql_all")
names=(status psql)
if [ -n "$other" ]; then cmds+=("$other -i $inv status"); names+=(other-status); fi
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine --warmup 2 --runs "$runs" --export-json "$json" "${args[@]}" >&2
# medians: the machine is shared, a mean says more about the neighbours than about us
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
psql = r["psql"]["median"]
for name, x in r.items():
    print(f"{name:13s} median {x['median']*1000:6.0f} ms  min {x['min']*1000:6.0f}  max {x['max']*1000:6.0f}"
          f"  {x['median']/psql:4.1f}x psql")
PY
for launcher in "$here/bin/pgrunbook" ${other:+"$other"}; do
  ms=()
  for _ in 1 2 3 4 5; do
    ms+=("$("$launcher" -i "$inv" status | sed -n 's/.* in \([0-9]*\) ms)$/\1/p')")
  done
  log=$dir/ssh/sshd.log
  n0=$(grep -c 'Accepted publickey' "$log" || true)
  "$launcher" -i "$inv" status >/dev/null || true
  n1=$(grep -c 'Accepted publickey' "$log" || true)
  median=$(printf '%s\n' "${ms[@]}" | sort -n | sed -n 3p)
  echo "$launcher: probe median ${median} ms (runs: ${ms[*]}); SSH logins per status: $((n1 - n0))"
done
