#!/usr/bin/env bash
# Benchmark by hand (not a test, not run by CI): pgrunbook against repmgr 5.3 and Patroni 3.0 (with etcd 3.4) doing the
# same work with the same client on this machine, side by side, written into BENCHMARKS.md between the compare markers.
#
#   bench/compare.sh [-n RUNS] [--only version,status,switchover,failover,rebuild,fleet] [--skip repmgr,patroni,pgrunbook]
#                    [--baseline DIR] [--data-mb MB] [--octets A,B,C] [--status-runs R] [--install] [--keep] [--no-write]
#
# Runs as root (PostgreSQL, etcd, Patroni and sshd run as the postgres OS user or drop to it), on loopback only:
# pgrunbook's lab on 127.0.A.11-14, repmgr's nodes on 127.0.B.11-13 (with an sshd on port 2222 of those addresses, its
# own keys), Patroni's nodes on 127.0.C.11-13 and etcd on 127.0.C.20. A,B,C: --octets, else the first three of
# $PGRUNBOOK_IT_NETS (FIRST-LAST), else 111,112,113. Everything lives in one temp directory, removed at exit (even on
# Ctrl-C). The only lasting change to the machine: the postgres account is unlocked (usermod -p '*') if it is locked,
# as `pgrunbook lab up --ssh` does, because sshd refuses key logins to a locked account.
#
# The client (bench/compare_client.py, python3 + psycopg2) is the same for every tool: one row per transaction with
# an increasing id through a libpq multi-host conninfo with target_session_attrs=read-write; for pgrunbook also through
# its PgBouncer. Raw figures: $WORK/raw.tsv, copied to bench/compare-raw.tsv (not committed).
set -uo pipefail
{ # the whole script is read before it runs: editing it during a run cannot change the run

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3 # the system python: it has psycopg2 (and Patroni's modules); a pyenv one may not
CLIENT=$ROOT/bench/compare_client.py
PGBIN=/usr/lib/postgresql/15/bin
N=3
ONLY=version,status,switchover,failover,rebuild,fleet
SKIP=""
BASELINE=""
DATA_MB=100
INSTALL=0
KEEP=0
WRITE=1
STATUS_RUNS=10
OCTETS=""

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "compare.sh: $1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=${2:?-n needs a number}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --skip) SKIP=${2:?}; shift 2 ;;
    --baseline) BASELINE=${2:?}; shift 2 ;;
    --data-mb) DATA_MB=${2:?}; shift 2 ;;
    --octets) OCTETS=${2:?}; shift 2 ;;
    --status-runs) STATUS_RUNS=${2:?}; shift 2 ;;
    --install) INSTALL=1; shift ;;
    --keep) KEEP=1; shift ;;
    --no-write) WRITE=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" 64 ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "-n: a positive number of runs, not '$N'" 64
[[ $DATA_MB =~ ^[0-9]+$ ]] || die "--data-mb: a number of MB, not '$DATA_MB'" 64
for p in ${ONLY//,/ }; do
  case $p in version|status|switchover|failover|rebuild|fleet) ;; *) die "--only: unknown part '$p' (version,status,switchover,failover,rebuild,fleet)" 64 ;; esac
done
for t in ${SKIP//,/ }; do
  case $t in pgrunbook|repmgr|patroni) ;; *) die "--skip: unknown tool '$t' (pgrunbook,repmgr,patroni)" 64 ;; esac
done
part() { [[ ",$ONLY," == *",$1,"* ]]; }
tool() { [[ ",$SKIP," != *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "run as root (like CI): PostgreSQL, Patroni and etcd are started as the postgres user, sshd as root" 3
if [ -z "$OCTETS" ]; then
  if [[ ${PGRUNBOOK_IT_NETS:-} =~ ^([0-9]+)-([0-9]+)$ ]] && [ $((BASH_REMATCH[2] - BASH_REMATCH[1])) -ge 2 ]; then
    a=${BASH_REMATCH[1]}; OCTETS="$a,$((a + 1)),$((a + 2))"
  else
    OCTETS=111,112,113
  fi
fi
IFS=, read -r OCT_LAB OCT_REPMGR OCT_PATRONI <<<"$OCTETS"
for o in "$OCT_LAB" "$OCT_REPMGR" "$OCT_PATRONI"; do
  [[ $o =~ ^[0-9]+$ ]] && [ "$o" -ge 1 ] && [ "$o" -le 254 ] || die "--octets: three third octets of 127.0.X.0, not '$OCTETS'" 64
done
if [ -n "$BASELINE" ]; then
  [ -x "$BASELINE/bin/pgrunbook" ] || die "--baseline $BASELINE: no executable $BASELINE/bin/pgrunbook" 64
  BASELINE=$(cd "$BASELINE" && pwd)
fi

# ---------------------------------------------------------------- prerequisites
need=()
check() { [ -e "$1" ] || need+=("$2"); }
check $PGBIN/postgres postgresql-15
check /usr/sbin/pgbouncer pgbouncer
check /usr/bin/hyperfine hyperfine
check /usr/lib/python3/dist-packages/psycopg2 python3-psycopg2
if tool repmgr; then check $PGBIN/repmgr postgresql-15-repmgr; check /usr/sbin/sshd openssh-server; fi
if tool patroni; then check /usr/bin/patroni patroni; check /usr/bin/etcd etcd-server; check /usr/lib/python3/dist-packages/etcd python3-etcd; fi
if [ ${#need[@]} -gt 0 ]; then
  if [ $INSTALL = 1 ]; then
    # policy-rc.d (as on CI) keeps the packages' own services from starting on shared ports
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" || die "apt-get install failed" 1
  else
    die "missing: ${need[*]}; install with: apt-get install -y ${need[*]} (or run with --install)" 3
  fi
fi
PGR=$ROOT/bin/pgrunbook
cd / # every path below is absolute; the postgres user can read /
if [ ! -f "$ROOT/target/pgrunbook.jar" ] && [ ! -f "$ROOT/lib/pgrunbook.jar" ]; then
  echo "compare.sh: building the jar (mvn -o -q -DskipTests package) ..." >&2
  (cd "$ROOT" && mvn -B -o -q -DskipTests package) || die "the build failed" 1
fi
if [ "$(getent shadow postgres | cut -d: -f2)" = '!' ] || [[ "$(getent shadow postgres | cut -d: -f2)" == '!'* ]]; then
  echo "compare.sh: unlocking the postgres account (usermod -p '*': no password, key logins only) for repmgr's SSH" >&2
  usermod -p '*' postgres
fi

# ---------------------------------------------------------------- work directory and teardown
WORK=$(mktemp -d /tmp/pgrunbook-compare.XXXXXX)
chmod 755 "$WORK"
RAW=$WORK/raw.tsv
printf 'measure\ttool\tvalue\tunit\n' >"$RAW"
LAB=$WORK/lab
RDIR=$WORK/repmgr
PDIR=$WORK/patroni
export XDG_STATE_HOME=$WORK/state # pgrunbook's journals of these runs stay in the temp directory
BG=()

cleanup() {
  trap - EXIT INT TERM
  for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -d "$LAB" ] && "$PGR" lab down --dir "$LAB" >/dev/null 2>&1
  [ -d "$WORK/fleet-lab" ] && "$PGR" lab down --dir "$WORK/fleet-lab" >/dev/null 2>&1
  for d in "$RDIR"/r*/data "$PDIR"/p*/data; do
    [ -f "$d/postmaster.pid" ] && kill -9 "$(head -1 "$d/postmaster.pid")" 2>/dev/null
  done
  [ -f "$RDIR/ssh/sshd.pid" ] && kill "$(cat "$RDIR/ssh/sshd.pid")" 2>/dev/null
  sleep 0.3
  if [ $KEEP = 1 ]; then echo "compare.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "compare.sh: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------- helpers
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
# a figure is kept only from a run where every command and wait of its measurement succeeded (BAD=0 since t0): a
# timed-out wait is not a duration; a failed run is listed under the table instead
rec() {
  if [ "${BAD:-0}" = 1 ] || [ -z "$3" ]; then echo "$2: $1" >>"$WORK/failures.txt"; return 0; fi
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-s}" >>"$RAW"
}
# as the postgres OS user (the script works from /, which it can read); `as_pg_exec x &` makes $! the pid of x itself
as_pg() { env HOME=/var/lib/postgresql setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_pg_exec() { exec env HOME=/var/lib/postgresql setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
q() { psql -X -qAt -h "$1" -p "${3:-5432}" -U postgres -d "${4:-postgres}" -c "$2" 2>/dev/null; }
wait_until() { # SECONDS DESCRIPTION COMMAND...
  local t=$1 what=$2; shift 2
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt $end ] || { BAD=1; log "timed out after ${t}s: $what"; return 1; }
    sleep 0.05
  done
}
is_primary() { [ "$(q "$1" 'SELECT pg_is_in_recovery()')" = f ]; }
is_streaming() { [ "$(q "$1" "SELECT status FROM pg_stat_wal_receiver")" = streaming ]; }
dsn() { # the tool-neutral route: every node, the one taking writes
  echo "host=$(IFS=,; echo "$*") port=5432 dbname=app user=postgres target_session_attrs=read-write connect_timeout=2"
}
load_data() { # ADDRESS: DATA_MB of rows in items, the same in every cluster
  q "$1" "INSERT INTO items(note) SELECT repeat('x', 1000) FROM generate_series(1, $((DATA_MB * 900)))" 5432 app
  q "$1" "CHECKPOINT"
}
postmaster_pid() { head -1 "$1/postmaster.pid"; }
# After kill -9 of a postmaster: wait until its backends have exited (each has the data directory as its cwd), then
# remove the pid file of a postmaster left a zombie (this machine's PID 1 does not reap daemons): a reaped one would
# not hold it, and with it single-user mode and pg_rewind refuse the directory ("lock file already exists").
settle_killed() { # DATADIR PID
  local d=$1 pid=$2 p busy
  for _ in $(seq 200); do
    busy=0
    for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$d" ] && { busy=1; break; }; done
    [ $busy = 0 ] && break
    sleep 0.05
  done
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && rm -f "$d/postmaster.pid"
  return 0
}

# switch_under_writers TOOL LABEL COMMAND...: two writers (the conninfo route; for pgrunbook also PgBouncer at
# $PGB_ROUTE) run one second before and after the command; records its wall time, the write windows and lost commits
SW_DSN=""
PGB_ROUTE=""
switch_under_writers() {
  local t=$1; shift
  local tag="sw$RANDOM$RANDOM" w1 w2="" t0 t1 wall
  $PY "$CLIENT" writer "$SW_DSN" "$tag" "$WORK/$tag.acks" & w1=$!; BG+=("$w1")
  if [ -n "$PGB_ROUTE" ]; then
    $PY "$CLIENT" writer "host=${PGB_ROUTE%:*} port=${PGB_ROUTE#*:} dbname=app user=postgres connect_timeout=2" \
      "${tag}b" "$WORK/${tag}b.acks" & w2=$!; BG+=("$w2")
  fi
  sleep 1
  t0=$(now); BAD=0
  if ! "$@" >"$WORK/$tag.out" 2>&1; then
    log "$t: switchover failed: $*"; tail -20 "$WORK/$tag.out" >&2
    kill "$w1" $w2 2>/dev/null; wait "$w1" $w2 2>/dev/null
    return 1
  fi
  wall=$(since "$t0"); t1=$(now)
  sleep 1
  kill "$w1" $w2; wait "$w1" $w2 2>/dev/null
  read -r win lost acked < <($PY "$CLIENT" window "$WORK/$tag.acks" "$t0" "$t1" "$SW_DSN" "$tag")
  rec "switchover: command wall time" "$t" "$wall"
  rec "switchover: write window, multi-host conninfo" "$t" "$win"
  rec "switchover: lost commits, multi-host conninfo" "$t" "$lost" n
  local extra=""
  if [ -n "$w2" ]; then
    read -r winb lostb _ < <($PY "$CLIENT" window "$WORK/${tag}b.acks" "$t0" "$t1" "$SW_DSN" "${tag}b")
    rec "switchover: write window, pgrunbook's PgBouncer" "$t" "$winb"
    rec "switchover: lost commits, pgrunbook's PgBouncer" "$t" "$lostb" n
    extra=", through PgBouncer ${winb} s, lost $lostb"
  fi
  log "$t: switchover $wall s, write window $win s, lost $lost of $acked$extra"
}

# first_write_after T0: the seconds from T0 to the first write accepted through the conninfo route (in the background)
FW_OUT=""
first_write_bg() { FW_OUT=$WORK/fw$RANDOM; $PY "$CLIENT" firstwrite "$SW_DSN" "$1" >"$FW_OUT" & FW_PID=$!; BG+=("$FW_PID"); }
first_write_wait() { wait "$FW_PID"; cat "$FW_OUT"; }

status_bench() { # TOOL LABEL COMMAND: hyperfine, every run's time recorded
  local t=$1 label=$2 cmd=$3 j=$WORK/hf$RANDOM.json
  if ! bash -c "$cmd" >"$WORK/status.out" 2>&1; then
    log "$t: '$label' fails, not measured: $cmd"; tail -5 "$WORK/status.out" >&2; return 1
  fi
  hyperfine -N -w 2 -r "$STATUS_RUNS" --export-json "$j" "$cmd" >/dev/null 2>&1 \
    || hyperfine -w 2 -r "$STATUS_RUNS" --export-json "$j" "$cmd" >/dev/null 2>&1 || return 1
  $PY -c 'import json,sys; [print(x) for x in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$j" |
    while read -r x; do rec "$label" "$t" "$x"; done
  log "$t: $label: median $($PY -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["results"][0]["median"],3))' "$j") s"
}

# the PostgreSQL settings of pgrunbook's lab (LabServers.writeServerConfig), given to repmgr's and Patroni's nodes too
COMMON_SETTINGS="max_connections=40 shared_buffers=16MB fsync=off wal_level=logical max_wal_senders=10
max_replication_slots=10 wal_keep_size=64MB max_wal_size=256MB min_wal_size=32MB wal_log_hints=on hot_standby=on
hot_standby_feedback=on wal_retrieve_retry_interval=1s archive_mode=on"
archive_command() { echo "test ! -f $1/%f && cp %p $1/%f || cmp -s %p $1/%f"; }

VERSIONS=()

# ================================================================ pgrunbook
pgr_variants() { # label and launcher of every pgrunbook measured: this checkout, and --baseline
  echo "pgrunbook $PGR"
  [ -n "$BASELINE" ] && echo "pgrunbook-baseline $BASELINE/bin/pgrunbook"
}
bench_pgrunbook() {
  local A=127.0.$OCT_LAB
  log "pgrunbook: lab up on $A.11-14 (--ssh)"
  "$PGR" lab up --dir "$LAB" --base-address $A.11 --ssh >"$WORK/lab-up.out" 2>&1 || { cat "$WORK/lab-up.out" >&2; die "pgrunbook lab up failed"; }
  load_data $A.11 >/dev/null
  wait_until 60 "db2 streaming" is_streaming $A.12; wait_until 60 "db3 streaming" is_streaming $A.13 || BAD=1
  local inv=$LAB/inventory.yaml ssh_inv=$LAB/inventory-ssh.yaml
  sed 's/connect: tunnel/connect: direct/' "$ssh_inv" >"$LAB/inventory-ssh-direct.yaml"
  while read -r t launcher; do
    "$launcher" --version >/dev/null 2>&1 # the class-data archive made once, as on an operator's machine
    local home; home=$(dirname "$(dirname "$launcher")")
    VERSIONS+=("$t: $("$launcher" --version 2>&1 | head -1) ($home$(git -C "$home" log -1 --format=', commit %h' 2>/dev/null)$(git -C "$home" status --porcelain 2>/dev/null | grep -q . && echo ', with uncommitted changes'))")
  done < <(pgr_variants)
  while read -r t launcher; do
    part version && status_bench "$t" "--version" "$launcher --version"
    if part status; then
      status_bench "$t" "status" "$launcher -i $inv status"
      status_bench "$t" "status: pgrunbook over SSH, connect: direct" "$launcher -i $LAB/inventory-ssh-direct.yaml status"
      status_bench "$t" "status: pgrunbook over SSH, connect: tunnel" "$launcher -i $ssh_inv status"
      # hook: more pgrunbook rows (e.g. transport: openssh from the second command, a 100-cluster fleet) go here
      pgr_extra_status "$t" "$launcher"
    fi
  done < <(pgr_variants)
  part status && status_bench "plain PostgreSQL" "status" \
    "bash -c 'for h in $A.11 $A.12 $A.13 $A.14; do psql -X -qAt -h \$h -U postgres -d postgres -c \"SELECT pg_is_in_recovery()\" >/dev/null; done'"

  SW_DSN=$(dsn $A.11 $A.12 $A.13)
  local i t launcher p s
  for i in $(seq "$N"); do
    while read -r t launcher; do
      if part switchover; then
        if is_primary $A.11; then p=db1; s=db2; else p=db2; s=db1; fi
        wait_until 60 "standbys streaming" is_streaming "$A.1${s#db}" && wait_until 60 "db3 streaming" is_streaming $A.13
        PGB_ROUTE=$A.1${p#db}:6432
        switch_under_writers "$t" "$launcher" -i "$inv" switchover --to "$s" --yes
        PGB_ROUTE=""
      fi
      if part failover; then
        if is_primary $A.11; then p=db1; s=db2; else p=db2; s=db1; fi
        wait_until 60 "standbys streaming" is_streaming "$A.1${s#db}" && wait_until 60 "db3 streaming" is_streaming $A.13
        kill -9 "$(postmaster_pid "$LAB/$p/data")"; sleep 0.2
        local t0 wall fw
        t0=$(now); BAD=0; first_write_bg "$t0"
        "$launcher" -i "$inv" failover --to "$s" --yes >"$WORK/fo.out" 2>&1 || { BAD=1; log "$t: failover failed"; tail -20 "$WORK/fo.out" >&2; }
        wall=$(since "$t0"); fw=$(first_write_wait)
        rec "failover: to first accepted write" "$t" "$fw"
        rec "failover: command wall time" "$t" "$wall"
        log "$t: failover wall $wall s, first write after $fw s"
        t0=$(now); BAD=0
        "$launcher" -i "$inv" failback "$p" --yes --confirm-host "$p" >"$WORK/fb.out" 2>&1 || { BAD=1; log "$t: failback failed"; tail -20 "$WORK/fb.out" >&2; }
        wait_until 120 "$p streaming" is_streaming "$A.1${p#db}" || BAD=1
        rec "rejoin of the old primary as a standby, to streaming" "$t" "$(since "$t0")"
        log "$t: failback (pg_rewind) to streaming $(since "$t0") s"
      fi
      if part rebuild; then
        wait_until 60 "db3 streaming" is_streaming $A.13 || BAD=1
        t0=$(now); BAD=0
        "$launcher" -i "$inv" rebuild db3 --yes --confirm-host db3 --discard-old >"$WORK/rb.out" 2>&1 || { BAD=1; log "$t: rebuild failed"; tail -20 "$WORK/rb.out" >&2; }
        wait_until 120 "db3 streaming" is_streaming $A.13 || BAD=1
        rec "rebuild of a standby, to streaming" "$t" "$(since "$t0")"
        log "$t: rebuild db3 $(since "$t0") s"
      fi
    done < <(pgr_variants)
    if part rebuild; then
      local pa; if is_primary $A.11; then pa=$A.11; else pa=$A.12; fi
      rm -rf "$WORK/bb"; mkdir -m 700 "$WORK/bb"; chown postgres: "$WORK/bb"; t0=$(now); BAD=0
      if as_pg $PGBIN/pg_basebackup -h $pa -U postgres -D "$WORK/bb" -X stream -c fast; then
        rec "rebuild of a standby, to streaming" "plain PostgreSQL" "$(since "$t0")"; log "plain pg_basebackup $(since "$t0") s"
      else
        log "plain pg_basebackup failed"
      fi
      rm -rf "$WORK/bb"
    fi
  done
  "$PGR" lab down --dir "$LAB" >/dev/null 2>&1
}
# Extra pgrunbook status rows, each measured only when the pgrunbook at hand has the feature: transport: openssh (the
# SSH lab's inventory with that transport; the first command opens the masters, hyperfine measures the next ones).
# More rows: define pgr_extra_status_more TOOL LAUNCHER in bench/compare-extra.sh (sourced when present).
pgr_extra_status() { # TOOL LAUNCHER
  local t=$1 launcher=$2 inv=$LAB/inventory-openssh.yaml
  sed 's/^  transport: ssh$/  transport: openssh/' "$LAB/inventory-ssh.yaml" >"$inv"
  if grep -q 'transport: openssh' "$inv" && "$launcher" -i "$inv" inventory validate >/dev/null 2>&1; then
    "$launcher" -i "$inv" status >/dev/null 2>&1
    status_bench "$t" "status: pgrunbook over OpenSSH (transport: openssh), connect: tunnel, from the 2nd command" "$launcher -i $inv status"
  fi
  declare -F pgr_extra_status_more >/dev/null && pgr_extra_status_more "$t" "$launcher"
}
# `status --all-clusters` of a 100-cluster inventory: bench/fleet.sh, when this checkout has it, on its own lab at the
# fourth octet (A+3); its summary lines go under the table.
FLEET_NOTE=""
bench_fleet() {
  [ -x "$ROOT/bench/fleet.sh" ] || { BAD=1; log "fleet: no bench/fleet.sh in this checkout, skipped"; return 0; }
  log "fleet: bench/fleet.sh 100 clusters on 127.0.$((OCT_LAB + 3)).11"
  FLEET_DIR=$WORK/fleet-lab FLEET_BASE=127.0.$((OCT_LAB + 3)).11 "$ROOT/bench/fleet.sh" 100 10 "$STATUS_RUNS" >"$WORK/fleet.out" 2>&1 \
    || { BAD=1; log "fleet: bench/fleet.sh failed"; tail -5 "$WORK/fleet.out" >&2; }
  FLEET_NOTE=$(grep -i -E 'all-clusters|median' "$WORK/fleet.out" | head -8)
  "$PGR" lab down --dir "$WORK/fleet-lab" >/dev/null 2>&1
}
[ -f "$ROOT/bench/compare-extra.sh" ] && . "$ROOT/bench/compare-extra.sh"

# ================================================================ repmgr
repmgr_node_conf() { # NODE (r1..r3)
  local n=$1 id=${1#r} A=127.0.$OCT_REPMGR
  cat >"$RDIR/$n/repmgr.conf" <<EOF
node_id=$id
node_name='$n'
conninfo='host=$A.1$id port=5432 user=repmgr dbname=repmgr connect_timeout=2'
data_directory='$RDIR/$n/data'
pg_bindir='$PGBIN'
use_replication_slots=yes
log_level=NOTICE
ssh_options='-q -p 2222 -i $RDIR/ssh/id_ed25519 -o UserKnownHostsFile=$RDIR/ssh/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes'
service_start_command='$PGBIN/pg_ctl -D $RDIR/$n/data -l $RDIR/$n/pg.log -w -t 60 start'
service_stop_command='$PGBIN/pg_ctl -D $RDIR/$n/data -w -t 60 -m fast stop'
service_restart_command='$PGBIN/pg_ctl -D $RDIR/$n/data -l $RDIR/$n/pg.log -w -t 60 -m fast restart'
service_promote_command='$PGBIN/pg_ctl -D $RDIR/$n/data -w promote'
EOF
  chown postgres: "$RDIR/$n/repmgr.conf"
}
node_settings() { # DATA ADDRESS SOCKETDIR ARCHIVE: node.conf, kept out of pg_rewind's way (--config-files)
  printf "listen_addresses = '%s'\nport = 5432\nunix_socket_directories = '%s'\n" "$2" "$3" >"$1/node.conf"
  chown postgres: "$1/node.conf"
}
repmgr_sshd() { # an sshd on port 2222 of the repmgr addresses; each address runs commands as its own node would
  local A=127.0.$OCT_REPMGR d=$RDIR/ssh
  mkdir -p "$d" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$d/id_ed25519"
  cp "$d/id_ed25519.pub" "$d/authorized_keys"
  : >"$d/known_hosts"
  local cfg="HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers postgres
PermitRootLogin no
X11Forwarding no
UseDNS no
MaxStartups 100"
  for i in 1 2 3; do
    cfg="ListenAddress $A.1$i:2222
$cfg"
    echo "[$A.1$i]:2222 $(cut -d' ' -f1-2 "$d/host_key.pub")" >>"$d/known_hosts"
  done
  # One machine plays three nodes: a real site has the same paths on every node; here a command sent to node rN has
  # the paths of the node that sent it (repmgr passes its own -f) rewritten to rN's.
  for i in 1 2 3; do
    cat >"$d/node-r$i.sh" <<EOF
#!/bin/sh
exec /bin/sh -c "\$(printf '%s' "\$SSH_ORIGINAL_COMMAND" | sed 's#$RDIR/r[0-9]/#$RDIR/r$i/#g')"
EOF
    chmod 755 "$d/node-r$i.sh"
    cfg="$cfg
Match LocalAddress $A.1$i
  ForceCommand $d/node-r$i.sh"
  done
  echo "$cfg" >"$d/sshd_config"
  chown postgres: "$d/id_ed25519" "$d/known_hosts"; chmod 600 "$d/id_ed25519"
  chmod 755 "$d"
  /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || die "repmgr: sshd did not start (log $d/sshd.log)"
}
repmgr_start_standby() { # NODE UPSTREAM_ADDRESS: clone (pg_basebackup), start, register
  local n=$1 up=$2 A=127.0.$OCT_REPMGR
  as_pg repmgr -h "$up" -U repmgr -d repmgr -f "$RDIR/$n/repmgr.conf" standby clone -F -c >"$RDIR/$n/clone.log" 2>&1 || { tail "$RDIR/$n/clone.log" >&2; return 1; }
  node_settings "$RDIR/$n/data" "$A.1${n#r}" "$RDIR/$n/run"
  as_pg $PGBIN/pg_ctl -D "$RDIR/$n/data" -l "$RDIR/$n/pg.log" -w -t 60 start >/dev/null || return 1
  as_pg repmgr -f "$RDIR/$n/repmgr.conf" standby register -F >>"$RDIR/$n/clone.log" 2>&1
}
bench_repmgr() {
  local A=127.0.$OCT_REPMGR n
  log "repmgr: three nodes on $A.11-13, sshd on port 2222"
  mkdir -p "$RDIR/archive"; for n in r1 r2 r3; do mkdir -p "$RDIR/$n/run"; done
  chown -R postgres: "$RDIR"; chmod 755 "$RDIR"
  repmgr_sshd
  for n in r1 r2 r3; do repmgr_node_conf $n; done
  as_pg $PGBIN/initdb -D "$RDIR/r1/data" -U postgres -A trust >/dev/null || die "repmgr: initdb failed"
  {
    echo "shared_preload_libraries = 'repmgr'"
    for kv in $COMMON_SETTINGS; do echo "${kv%%=*} = '${kv#*=}'"; done
    echo "archive_command = '$(archive_command "$RDIR/archive")'"
    echo "restore_command = 'cp $RDIR/archive/%f %p'"
    echo "include_if_exists = 'node.conf'"
  } >>"$RDIR/r1/data/postgresql.conf"
  printf 'local all all trust\nlocal replication all trust\nhost all all 127.0.0.0/8 trust\nhost replication all 127.0.0.0/8 trust\n' >"$RDIR/r1/data/pg_hba.conf"
  node_settings "$RDIR/r1/data" $A.11 "$RDIR/r1/run"
  as_pg $PGBIN/pg_ctl -D "$RDIR/r1/data" -l "$RDIR/r1/pg.log" -w -t 60 start >/dev/null || die "repmgr: r1 did not start"
  q $A.11 "CREATE ROLE repmgr SUPERUSER REPLICATION LOGIN" && q $A.11 "CREATE DATABASE repmgr OWNER repmgr" && q $A.11 "CREATE DATABASE app"
  q $A.11 "CREATE TABLE items (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())" 5432 app
  as_pg repmgr -f "$RDIR/r1/repmgr.conf" primary register >"$RDIR/r1/register.log" 2>&1 || { cat "$RDIR/r1/register.log" >&2; die "repmgr: primary register failed"; }
  load_data $A.11 >/dev/null
  repmgr_start_standby r2 $A.11 && repmgr_start_standby r3 $A.11 || die "repmgr: standby clone failed"
  wait_until 60 "r2 streaming" is_streaming $A.12; wait_until 60 "r3 streaming" is_streaming $A.13 || BAD=1
  VERSIONS+=("repmgr: $(repmgr --version 2>&1)")
  part version && status_bench repmgr "--version" "repmgr --version"
  part status && status_bench repmgr "status" "setpriv --reuid=postgres --regid=postgres --init-groups repmgr -f $RDIR/r1/repmgr.conf cluster show"

  SW_DSN=$(dsn $A.11 $A.12 $A.13)
  local i p s t0 wall fw
  for i in $(seq "$N"); do
    if part switchover; then
      if is_primary $A.11; then p=r1; s=r2; else p=r2; s=r1; fi
      wait_until 60 "standbys streaming" is_streaming "$A.1${s#r}" && wait_until 60 "r3 streaming" is_streaming $A.13
      switch_under_writers repmgr as_pg repmgr -f "$RDIR/$s/repmgr.conf" standby switchover --siblings-follow
    fi
    if part failover; then
      if is_primary $A.11; then p=r1; s=r2; else p=r2; s=r1; fi
      wait_until 60 "standbys streaming" is_streaming "$A.1${s#r}" && wait_until 60 "r3 streaming" is_streaming $A.13
      pk=$(postmaster_pid "$RDIR/$p/data"); kill -9 "$pk"; sleep 0.2
      t0=$(now); BAD=0; first_write_bg "$t0"
      as_pg repmgr -f "$RDIR/$s/repmgr.conf" standby promote --siblings-follow >"$WORK/fo.out" 2>&1 || { BAD=1; log "repmgr: promote failed"; tail -20 "$WORK/fo.out" >&2; }
      wall=$(since "$t0"); fw=$(first_write_wait)
      rec "failover: to first accepted write" repmgr "$fw"
      rec "failover: command wall time" repmgr "$wall"
      log "repmgr: standby promote wall $wall s, first write after $fw s"
      # node rejoin refuses a data directory that was not shut down cleanly: crash recovery in single-user mode first
      # (pgrunbook's failback and Patroni do the equivalent themselves), counted in the rejoin
      # and pg_rewind reads the source's timeline from its control file: a CHECKPOINT on the new primary first (as
      # pg_rewind's documentation says for a just-promoted source), else the rewound node cannot start
      settle_killed "$RDIR/$p/data" "$pk"
      t0=$(now); BAD=0
      q "$A.1${s#r}" CHECKPOINT
      as_pg $PGBIN/postgres --single -D "$RDIR/$p/data" postgres </dev/null >/dev/null 2>&1
      as_pg repmgr -f "$RDIR/$p/repmgr.conf" node rejoin -d "host=$A.1${s#r} user=repmgr dbname=repmgr" --force-rewind \
        --config-files=node.conf >"$WORK/rj.out" 2>&1 || { BAD=1; log "repmgr: node rejoin failed"; tail -20 "$WORK/rj.out" >&2; }
      wait_until 120 "$p streaming" is_streaming "$A.1${p#r}" || BAD=1
      rec "rejoin of the old primary as a standby, to streaming" repmgr "$(since "$t0")"
      log "repmgr: node rejoin --force-rewind to streaming $(since "$t0") s"
    fi
    if part rebuild; then
      if is_primary $A.11; then p=$A.11; else p=$A.12; fi
      wait_until 60 "r3 streaming" is_streaming $A.13 || BAD=1
      t0=$(now); BAD=0
      as_pg $PGBIN/pg_ctl -D "$RDIR/r3/data" -w -m fast stop >/dev/null; rm -rf "$RDIR/r3/data"
      repmgr_start_standby r3 "$p" || log "repmgr: standby clone of r3 failed"
      wait_until 120 "r3 streaming" is_streaming $A.13 || BAD=1
      rec "rebuild of a standby, to streaming" repmgr "$(since "$t0")"
      log "repmgr: stop, standby clone, start, register r3: $(since "$t0") s"
    fi
  done
  for n in r1 r2 r3; do as_pg $PGBIN/pg_ctl -D "$RDIR/$n/data" -m immediate stop >/dev/null 2>&1; done
  kill "$(cat "$RDIR/ssh/sshd.pid")" 2>/dev/null
}

# ================================================================ Patroni
declare -A PATRONI_PID
patroni_conf() { # NODE
  local n=$1 i=${1#p} A=127.0.$OCT_PATRONI kv
  {
    cat <<EOF
scope: compare
name: $n
log: {level: WARNING}
restapi: {listen: "$A.1$i:8008", connect_address: "$A.1$i:8008"}
etcd: {host: "$A.20:2379"}
bootstrap:
  dcs:
    # the smallest failure detection Patroni accepts (loop_wait + 2 * retry_timeout <= ttl; ttl >= 20)
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
EOF
    for kv in $COMMON_SETTINGS; do echo "        ${kv%%=*}: '${kv#*=}'"; done
    echo "        archive_command: '$(archive_command "$PDIR/archive")'"
    cat <<EOF
  initdb: [{encoding: UTF8}]
  pg_hba: ["local all all trust", "local replication all trust", "host all all 127.0.0.0/8 trust", "host replication all 127.0.0.0/8 trust"]
postgresql:
  listen: "$A.1$i:5432"
  connect_address: "$A.1$i:5432"
  data_dir: "$PDIR/$n/data"
  bin_dir: "$PGBIN"
  pgpass: "$PDIR/$n/pgpass"
  authentication:
    superuser: {username: postgres}
    replication: {username: postgres}
    rewind: {username: postgres}
  parameters: {unix_socket_directories: "$PDIR/$n/run"}
  recovery_conf: {restore_command: "cp $PDIR/archive/%f %p"}
  pg_hba: ["local all all trust", "local replication all trust", "host all all 127.0.0.0/8 trust", "host replication all 127.0.0.0/8 trust"]
EOF
  } >"$PDIR/$n.yml"
  chown postgres: "$PDIR/$n.yml"
}
patroni_start() { as_pg_exec patroni "$PDIR/$1.yml" >>"$PDIR/$1.log" 2>&1 & PATRONI_PID[$1]=$!; BG+=("$!"); disown $!; }
patroni_wait_replicas() { # LEADER: every other member streaming
  local n; for n in p1 p2 p3; do [ "$n" = "$1" ] || wait_until 120 "$n streaming" is_streaming "127.0.$OCT_PATRONI.1${n#p}"; done
}
patroni_leader() { patronictl -c "$PDIR/p1.yml" list -f json 2>/dev/null | $PY -c 'import json,sys; print(next((m["Member"] for m in json.load(sys.stdin) if m["Role"] == "Leader"), ""))'; }
bench_patroni() {
  local A=127.0.$OCT_PATRONI n
  log "Patroni: etcd on $A.20, three nodes on $A.11-13"
  mkdir -p "$PDIR/archive" "$PDIR/etcd"; for n in p1 p2 p3; do mkdir -p "$PDIR/$n/run"; done
  chown -R postgres: "$PDIR"; chmod 755 "$PDIR"
  as_pg_exec etcd --name e1 --data-dir "$PDIR/etcd" --listen-client-urls http://$A.20:2379 --advertise-client-urls http://$A.20:2379 \
    --listen-peer-urls http://$A.20:2380 --initial-advertise-peer-urls http://$A.20:2380 \
    --initial-cluster e1=http://$A.20:2380 --enable-v2=true >"$PDIR/etcd.log" 2>&1 &
  BG+=("$!"); disown "$!"
  wait_until 30 "etcd up" curl -sf http://$A.20:2379/health || die "Patroni: etcd did not start (log $PDIR/etcd.log)"
  for n in p1 p2 p3; do patroni_conf $n; done
  patroni_start p1
  wait_until 90 "p1 leader" is_primary $A.11 || die "Patroni: p1 did not bootstrap (log $PDIR/p1.log)"
  wait_until 30 "p1 leader key" test "$(patroni_leader)" = p1
  q $A.11 "CREATE DATABASE app"
  q $A.11 "CREATE TABLE items (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())" 5432 app
  load_data $A.11 >/dev/null
  patroni_start p2; patroni_start p3
  wait_until 120 "p2 streaming" is_streaming $A.12; wait_until 120 "p3 streaming" is_streaming $A.13 || BAD=1
  VERSIONS+=("Patroni: $(patronictl version 2>&1 | head -1); etcd: $(etcd --version | head -1)")
  part version && status_bench Patroni "--version" "patronictl version"
  part status && status_bench Patroni "status" "patronictl -c $PDIR/p1.yml list"

  SW_DSN=$(dsn $A.11 $A.12 $A.13)
  local i p s t0 fw pa
  for i in $(seq "$N"); do
    if part switchover; then
      p=$(patroni_leader); if [ "$p" = p1 ]; then s=p2; else s=p1; fi
      patroni_wait_replicas "$p"
      switch_under_writers Patroni patronictl -c "$PDIR/p1.yml" switchover compare --leader "$p" --candidate "$s" --force
    fi
    if part failover; then
      p=$(patroni_leader); if [ "$p" = p1 ]; then s=p2; else s=p1; fi
      patroni_wait_replicas "$p"
      # Patroni's answer to a dead postmaster alone: it starts it again in place (the leader key is still held)
      kill -9 "$(postmaster_pid "$PDIR/$p/data")"; t0=$(now); BAD=0
      fw=$($PY "$CLIENT" firstwrite "$SW_DSN" "$t0")
      rec "Patroni: postmaster alone killed, to first write (restarted in place)" Patroni "$fw"
      log "Patroni: postmaster killed, restarted in place, first write after $fw s"
      patroni_wait_replicas "$p"
      # the node lost (Patroni and postmaster): automatic failover once the leader key expires (ttl 20 s)
      pa=$(postmaster_pid "$PDIR/$p/data")
      kill -9 "${PATRONI_PID[$p]}" "$pa"; t0=$(now); BAD=0
      fw=$($PY "$CLIENT" firstwrite "$SW_DSN" "$t0")
      rec "failover: to first accepted write" Patroni "$fw"
      log "Patroni: node killed, automatic failover, first write after $fw s"
      settle_killed "$PDIR/$p/data" "$pa"
      t0=$(now); BAD=0
      patroni_start "$p"
      wait_until 180 "$p streaming" is_streaming "$A.1${p#p}" || BAD=1
      rec "rejoin of the old primary as a standby, to streaming" Patroni "$(since "$t0")"
      log "Patroni: restart of the old leader, rejoin (pg_rewind) to streaming $(since "$t0") s"
    fi
    if part rebuild; then
      p=$(patroni_leader); patroni_wait_replicas "$p"
      # the automatic failover may have elected any node: rebuild the last replica
      if [ "$p" = p3 ]; then s=p2; else s=p3; fi
      t0=$(now); BAD=0
      patronictl -c "$PDIR/p1.yml" reinit compare "$s" --force --wait >"$WORK/reinit.out" 2>&1 || { BAD=1; log "Patroni: reinit failed"; tail "$WORK/reinit.out" >&2; }
      wait_until 120 "$s streaming" is_streaming "$A.1${s#p}" || BAD=1
      rec "rebuild of a standby, to streaming" Patroni "$(since "$t0")"
      log "Patroni: reinit $s $(since "$t0") s"
    fi
  done
  for n in p1 p2 p3; do [ -n "${PATRONI_PID[$n]:-}" ] && kill "${PATRONI_PID[$n]}" 2>/dev/null; done
  sleep 1
  for d in "$PDIR"/p*/data; do as_pg $PGBIN/pg_ctl -D "$d" -m immediate stop >/dev/null 2>&1; done
}

# ================================================================ run and report
T_START=$(now)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "compare: N=$N, parts $ONLY, data ${DATA_MB} MB, work directory $WORK"
tool pgrunbook && bench_pgrunbook
tool pgrunbook && part fleet && bench_fleet
tool repmgr && bench_repmgr
tool patroni && bench_patroni
TOOK=$(since "$T_START")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

kernel=$(uname -r)
cores=$(nproc)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
jdk=$(java -version 2>&1 | head -1)
pgv=$($PGBIN/postgres --version)
vers=$(printf -- '- %s\n' "${VERSIONS[@]}")
FLEET_MD=""
FAILED_MD=""
if [ -s "$WORK/failures.txt" ]; then
  FAILED_MD=$(printf '\n\nRuns left out of the figures (a command failed or a wait timed out; the log of the run says why):\n%s' \
    "$(sort "$WORK/failures.txt" | uniq -c | awk '{ n = $1; $1 = ""; printf "\n- %s (%d)", substr($0, 2), n }')")
fi
[ -n "$FLEET_NOTE" ] && FLEET_MD=$(printf '\n\n`bench/fleet.sh 100 10 %s` (pgrunbook only, on a lab of its own), its summary:\n\n```\n%s\n```' "$STATUS_RUNS" "$FLEET_NOTE")
$PY - "$WORK/meta.json" <<EOF
import json, sys
header = """## pgrunbook, repmgr and Patroni side by side (bench/compare.sh)

Run of $(date -u '+%Y-%m-%d %H:%M UTC'): \`bench/compare.sh -n $N${BASELINE:+ --baseline $BASELINE}\` (parts: $ONLY), $(awk -v s="$TOOK" 'BEGIN { printf "%.0f", s / 60 }') min.
Machine: $cores cores, $mem, Linux $kernel, $jdk; $pgv.
Tools:
$vers

Each figure: the median over the runs (n=$N, status: $STATUS_RUNS runs of hyperfine each), the range in brackets. Ratios:
the first pgrunbook column divided by the other column (below 1: pgrunbook takes less)."""
footer = """The same work, the same client (bench/compare_client.py: one row per transaction, each acknowledged id and its time
recorded; write window = the longest gap between acknowledged commits overlapping the command; lost = acknowledged ids
missing on the primary afterwards), through a libpq conninfo naming every node with \`target_session_attrs=read-write\`
for all three tools, and for pgrunbook also through its PgBouncer (both writers run during pgrunbook's switchover).
Every cluster holds the same ${DATA_MB} MB table and runs with the same settings (those of \`pgrunbook lab\`: fsync off,
wal_level logical, wal_keep_size 64MB, max_wal_size 256MB, wal_log_hints on, archiving to and restoring from a local directory,
asynchronous replication).

Not the same work, read the figures with it:
- pgrunbook's lab has four PostgreSQL servers (one a logical replica whose subscription a switchover repoints) and two
  PgBouncers; repmgr's and Patroni's clusters have three physical nodes. pgrunbook's switchover pauses PgBouncer, waits
  for the shutdown checkpoint and the standby's catch-up, checks before and after, journals every step and ends with a
  status; pgrunbook runs as a new JVM per command.
- repmgr needs SSH from node to node (its own sshd here, one per-address rewrite of the config path because three
  nodes share one machine); \`standby promote --siblings-follow\` and \`node rejoin --force-rewind\` are run by hand
  as pgrunbook's failover and failback are. A killed primary must be crash-recovered (single-user mode) before
  \`node rejoin\` accepts it, and pg_rewind needs a CHECKPOINT on the just-promoted source: both counted in repmgr's
  rejoin.
- Patroni is a daemon with a DCS (etcd): \`patronictl list\` reads etcd and each member's REST API; its failover is
  automatic, so it is measured from the kill -9 of the node (Patroni and postmaster: a postmaster killed alone is
  restarted in place, shown on its own row) to the first accepted write, which includes waiting for the leader key
  to expire (ttl 20 s, Patroni's minimum; loop_wait 2 s). \`patronictl failover\` is not measured: with the old
  leader's key still in etcd it waits for the same expiry. Its rejoin is the old leader's Patroni started again
  (crash recovery and pg_rewind done by Patroni). Its rebuild is \`patronictl reinit --wait\`.
- Rebuild: pgrunbook \`rebuild --discard-old\`, repmgr stop + \`standby clone -F -c\` + start + register, Patroni
  reinit, against a plain \`pg_basebackup -X stream -c fast\` of the same data (no start): all until streaming.
- Status: pgrunbook \`status\` (the lab's inventory: local transport, \`connect: direct\`; and over SSH to each host)
  probes four servers and two PgBouncers and explains the cluster; repmgr \`cluster show\` reads repmgr's tables
  through one node; Patroni \`patronictl list\` reads etcd and the members' REST APIs; plain PostgreSQL: psql asks
  each of pgrunbook's four servers one query in turn. --version: \`repmgr --version\`, \`patronictl version\`.
- Failover, to first accepted write: pgrunbook and repmgr from the start of the command (\`failover --to\`, \`standby
  promote --siblings-follow\`) after a kill -9 of the primary's postmaster; Patroni from the kill -9 of the node.

Load average (1, 5, 15 min) at the start of the run: $LOAD_START; at its end: $LOAD_END. Anything else running on the
machine shows in the ranges: compare the columns of one run only. Raw figures: bench/compare-raw.tsv (not committed).$FAILED_MD$FLEET_MD"""
labels = {}
json.dump({"header": header, "footer": footer, "labels": labels}, open(sys.argv[1], "w"))
EOF
$PY "$CLIENT" report "$RAW" "$WORK/section.md" "$WORK/meta.json"
cp "$RAW" "$ROOT/bench/compare-raw.tsv"
echo
cat "$WORK/section.md"
if [ $WRITE = 1 ]; then
  $PY - "$ROOT/BENCHMARKS.md" "$WORK/section.md" <<'EOF'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read()
start, end = "<!-- compare:start -->", "<!-- compare:end -->"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
block = f"{start}\n{section}{end}\n"
if start in text and end in text:
    rest = text[text.index(end) + len(end):].lstrip("\n")
    text = text[:text.index(start)] + block + ("\n" + rest if rest else "")
else:
    text = text.rstrip("\n") + "\n\n" + block
open(path, "w").write(text)
EOF
  log "written into $ROOT/BENCHMARKS.md (between <!-- compare:start --> and <!-- compare:end -->)"
fi
log "took $TOOK s"
exit 0
}
