#!/usr/bin/env bash
# Benchmark by hand (not part of the test suite): rebuild vs a plain pg_basebackup, failback vs rebuild, on a lab at
# 127.0.69.11. Usage: bench/rebuild.sh [ROWS] [RUNS]   (2,000,000 rows is about 500 MB of databases)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -o -q verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RebuildBench \
  -Dbench.rows="${1:-2000000}" -Dbench.runs="${2:-3}" -DtrimStackTrace=false 2>&1 | sed -n '/^databases:/,/^pgrunbook rebuild db1/p'
