#!/usr/bin/env bash
# Benchmark by hand (not part of the test suite): `status --all-clusters` on an inventory of CLUSTERS clusters of four
# hosts (issue 13, item 6). One lab (4 servers, 2 PgBouncers; built at FLEET_BASE, or reused from FLEET_DIR) answers
# for every cluster: one address:port belongs to one cluster in an inventory, so each cluster names the lab's
# addresses at a port of its own (20001, 20002, ...) and bench/fleet-relay.py forwards them to the servers. The
# second inventory has its last DEAD clusters at addresses where nothing listens (refused at once) and, with
# FLEET_SILENT=N, N clusters before them that accept and never answer (connect_timeout 1s).
# Prints: hyperfine medians for --version, inventory validate (loading of CLUSTERS*4 hosts), status --all-clusters on
# the healthy and the dead inventories and on the healthy one without PgBouncers (what the console reads cost); the most connections open at once through the relay during one fleet status;
# the same 4*CLUSTERS sessions opened by psycopg2 on 32 threads (the floor: what the servers and the relay cost).
# Usage: bench/fleet.sh [CLUSTERS] [DEAD] [RUNS]   env: FLEET_DIR, FLEET_BASE, FLEET_SILENT, FLEET_PARALLEL
set -euo pipefail
cd "$(dirname "$0")/.."
clusters=${1:-100}
dead=${2:-10}
runs=${3:-5}
dir=${FLEET_DIR:-/tmp/pgrunbook-fleet-lab}
base=${FLEET_BASE:-127.0.121.11}
silent=${FLEET_SILENT:-0}
parallel=${FLEET_PARALLEL:-32}
py=/usr/bin/python3   # Debian's: yaml and psycopg2 come with the packages the lab needs

[ -f target/pgrunbook.jar ] || mvn -B -o -q package -DskipTests
if ! bin/pgrunbook lab status --dir "$dir" >/dev/null 2>&1; then
  bin/pgrunbook lab up --dir "$dir" --base-address "$base" >&2
fi
work=$(mktemp -d /tmp/pgrunbook-fleet.XXXXXX)
relay=""
cleanup() {
  if [ -n "$relay" ]; then
    kill "$relay" 2>/dev/null || true
    wait "$relay" 2>/dev/null || true   # it writes its stats as it ends
  fi
  rm -rf "$work"
}
trap cleanup EXIT

$py bench/fleet-inventory.py "$dir/inventory.yaml" "$clusters" 0 0 "$work/healthy.yaml"
$py bench/fleet-inventory.py "$dir/inventory.yaml" "$clusters" "$dead" "$silent" "$work/dead.yaml"
$py bench/fleet-inventory.py "$dir/inventory.yaml" "$clusters" 0 0 "$work/nopgb.yaml" --no-pgbouncer
addresses=$(awk '/^ *address:/ {print $2}' "$dir/inventory.yaml" | paste -sd, -)
mapfile -t silent_at < <(awk '/^ *address: 127\.0\.125\./ {print $2 ":5432"}' "$work/dead.yaml")
$py bench/fleet-relay.py --stats "$work/relay.json" --addresses "$addresses" --ports "20001-$((20000 + clusters))" \
  --silent "${silent_at[@]}" >"$work/relay.log" 2>&1 &
relay=$!
for _ in $(seq 100); do [ -s "$work/relay.json" ] && break; sleep 0.1; done

echo "fleet: $clusters clusters x 4 hosts on the lab in $dir; dead: $dead (refused), silent: $silent; parallel $parallel"
hyperfine -N -w 1 -r "$runs" -i --export-json "$work/hyperfine.json" \
  -n version "bin/pgrunbook --version" \
  -n "inventory validate (4 hosts)" "bin/pgrunbook -i $dir/inventory.yaml inventory validate" \
  -n "inventory validate ($((clusters * 4)) hosts)" "bin/pgrunbook -i $work/healthy.yaml inventory validate" \
  -n "status --all-clusters ($clusters healthy)" "bin/pgrunbook -i $work/healthy.yaml status --all-clusters --parallel $parallel" \
  -n "status --all-clusters ($dead dead, $silent silent)" "bin/pgrunbook -i $work/dead.yaml status --all-clusters --parallel $parallel" \
  -n "status --all-clusters ($clusters, no PgBouncer)" "bin/pgrunbook -i $work/nopgb.yaml status --all-clusters --parallel $parallel" \
  >/dev/null
$py - "$work/hyperfine.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-42s median %6.3f s  (min %.3f, max %.3f, %d runs)" % (r["command"], r["median"], r["min"], r["max"], len(r["times"])))
EOF

kill -USR1 "$relay"
sleep 0.2
bin/pgrunbook -i "$work/dead.yaml" status --all-clusters --parallel "$parallel" >"$work/table.txt" || true
head -1 "$work/table.txt"
$py - "$work/relay.json" "$dir/inventory.yaml" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print("most sessions open at once through the relay: %d in all; per server: %s (lab max_connections = 40)"
      % (s["max_total"], ", ".join("%s %d" % (k, v) for k, v in sorted(s["max_per_upstream"].items()))))
EOF

# the floor: the same sessions and queries without pgrunbook (no JVM, no PgBouncer reads)
$py - "$work/healthy.yaml" "$parallel" <<'EOF'
import sys, time, yaml, psycopg2
from concurrent.futures import ThreadPoolExecutor
inv = yaml.safe_load(open(sys.argv[1]))
targets = [(h["address"], h["postgres"]["port"]) for c in inv["clusters"].values() for h in c["hosts"].values()]
def probe(t):
    c = psycopg2.connect(host=t[0], port=t[1], user="postgres", dbname="postgres", connect_timeout=5)
    cur = c.cursor()
    cur.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), current_setting('server_version_num')")
    cur.fetchall()
    cur.execute("SELECT * FROM pg_stat_replication")
    cur.fetchall()
    c.close()
t0 = time.time()
with ThreadPoolExecutor(int(sys.argv[2])) as ex:
    list(ex.map(probe, targets))
print("floor: %d sessions (connect + 2 queries) by psycopg2 on %s threads: %.3f s" % (len(targets), sys.argv[2], time.time() - t0))
EOF
