#!/usr/bin/env bash
# Benchmark by hand (not part of the test suite): `status` (connect: tunnel) over the built-in SSH transport (SSHJ)
# against transport: openssh, on an SSH lab. The first openssh command opens the masters (cold); the others reuse them
# (warm), as the next command of an operator within ssh.control_persist does. Prints hyperfine's medians and the
# probe time status reports for each.
# Usage: bench/openssh.sh LAB_DIR [RUNS]   (LAB_DIR from: pgrunbook lab up --ssh --dir LAB_DIR)
set -euo pipefail
dir=${1:?usage: bench/openssh.sh LAB_DIR [RUNS]}
runs=${2:-10}
cd "$(dirname "$0")/.."
pg=bin/pgrunbook
ssh_inv=$dir/inventory-ssh.yaml
open_inv=$dir/inventory-openssh.yaml
probe() { "$pg" -i "$1" status 2>/dev/null | sed -n 's/.*probed .* in \([0-9]*\) ms.*/\1/p'; }
# cold: no master for these hosts (ssh -O exit on every control socket of this lab's hosts)
for s in "${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/pgrunbook-ssh}" "${PGRUNBOOK_SSH_CONTROL_DIR:-}" "$HOME/.cache/pgrunbook/ssh"; do
  [ -n "$s" ] && [ -d "$s" ] && for sock in "$s"/*; do [ -S "$sock" ] && ssh -O exit -o ControlPath="$sock" x 2>/dev/null || true; done
done
/usr/bin/time -f %e -o /tmp/pgrunbook-openssh-cold "$pg" -i "$open_inv" status >/dev/null 2>&1 || true
cold_wall=$(tail -1 /tmp/pgrunbook-openssh-cold)
echo "openssh cold (first command, opens the masters): wall ${cold_wall}s"
hyperfine -N --warmup 1 --runs "$runs" --export-json /tmp/pgrunbook-openssh-bench.json \
  -n sshj "$pg -i $ssh_inv status" -n openssh "$pg -i $open_inv status" -i 2>/dev/null | grep -E 'Time|Range|±' || true
python3 - <<'PY'
import json, statistics
r = json.load(open('/tmp/pgrunbook-openssh-bench.json'))['results']
for x in r:
    print(f"{x['command']}: median {statistics.median(x['times']):.3f} s  min {min(x['times']):.3f}  max {max(x['times']):.3f}")
PY
for name in sshj openssh; do
  inv=$ssh_inv; [ "$name" = openssh ] && inv=$open_inv
  ps=(); for _ in 1 2 3 4 5; do ps+=("$(probe "$inv")"); done
  echo "$name probe ms (status' own figure): ${ps[*]}"
done
