#!/usr/bin/env bash
# Records the classes that real commands load and the launcher's class-data archive would otherwise miss, into
# src/main/resources/io/pgrunbook/cli/cds-classes.txt (read by the hidden cds-training command). Runs without the
# archive (PGRUNBOOK_CDS=0), so that what is listed does not depend on an earlier list.
# Usage: bench/cds-classes.sh INVENTORY...   (a lab's inventories: pgrunbook lab up --ssh --dir /tmp/pglab writes
#        inventory.yaml, inventory-ssh.yaml and inventory-openssh.yaml: give all three, each transport loads its own)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/cds-classes.sh INVENTORY..." >&2; exit 64; }
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/src/main/resources/io/pgrunbook/cli/cds-classes.txt
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for inv in "$@"; do
  for cmd in "status" "failover --to db2 --dry-run" "switchover --to db2 --dry-run" "smoke" "doctor"; do
    # shellcheck disable=SC2086
    PGRUNBOOK_CDS=0 PGRUNBOOK_JAVA_OPTS="-Xlog:class+load:file=$log" "$here/bin/pgrunbook" -i "$inv" $cmd >/dev/null 2>&1 || true
    grep -v 'shared objects file' "$log" | awk '{print $2}'
  done
done | grep -v -E '\$\$Lambda|LambdaForm|/0x|^picocli|jdk\.proxy|\$Proxy|Generated(Constructor|Method|SerializationConstructor)Accessor' \
  | sort -u > "$out"
wc -l "$out"
