#!/usr/bin/env bash
# Benchmark by hand (not part of the test suite): switchover write window and wall time, failover start to first write,
# with the real launcher (JVM start included) on labs at 127.0.90.11 and 127.0.91.11. Usage: bench/ha.sh [RUNS]
# PGRUNBOOK_IT_NETS=A-B moves the labs into that range, as for the integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -o -q package -DskipTests
mvn -B -o -q verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=HaBench -Dbench.runs="${1:-5}" \
  2>&1 | grep -E '^(switchover|failover)'
# the breakdown lines (median per phase, from the journals) start with 'switchover breakdown:' / 'failover breakdown:'
