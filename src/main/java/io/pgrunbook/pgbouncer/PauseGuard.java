package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.remote.RemoteCommand;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guard that keeps a PAUSE from outliving the run that sent it. The command that pauses a PgBouncer first starts,
 * on the PgBouncer's host, a detached shell (its own session, no parent among the command's processes) that sleeps
 * until a deadline and then RESUMEs the paused databases, unless the run cancels it first. The tool's death
 * ({@code kill -9}, a lost laptop, a dropped SSH connection) cannot reach it; only a RESUME through pgrunbook does.
 * <p>
 * Its state lives in a small file beside the PgBouncer config ({@link #stateFile}), written and read as the become
 * user (who may already write there: {@code pgbouncer point} keeps its temp file and backups in that directory):
 * {@code state=paused|resumed}, {@code run}, {@code paused_at}, {@code deadline} (epoch seconds of the host's clock),
 * {@code databases}, {@code pid}, {@code token}. A guard that fires rewrites it to {@code state=resumed} with
 * {@code resumed_at} and appends a line to {@code <file>.log}, so {@code status} can say it happened.
 * <p>
 * Correctness never rests on the pid: the guard acts only while the file still holds its own token, so a guard
 * that was replaced or cancelled but somehow not killed does nothing when it wakes.
 */
public final class PauseGuard {
    /** The command an operator types to end a pause (and cancel its guard). */
    public static final String RESUME_COMMAND = "pgrunbook pgbouncer resume";
    /** When a step has no deadline of its own (a pause outside a planned run). */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    /** The guard's $0: how the cancelling command recognises it before it kills a pid. */
    static final String NAME = "pgrunbook-pause-guard";
    private static final String END = "#pgrunbook-guard-end";

    // $1: a pid; true when that process is one of our guards (a pid can be reused by then)
    private static final String IS_GUARD = "is_guard() { [ -n \"$1\" ] || return 1;"
            + " { tr '\\000' ' ' < \"/proc/$1/cmdline\" || ps -p \"$1\" -o args=; } 2>/dev/null | grep -q " + NAME + "; }\n"
            // kills the guard's process group (its sleep too), or at least the guard
            + "stop_guard() { is_guard \"$1\" || return 0; kill -s TERM -- \"-$1\" 2>/dev/null || kill -s TERM \"$1\" 2>/dev/null; }\n";

    // the guard itself: $1 file, $2 seconds, $3 token, $4 number of databases, $5 psql, $6 address, $7 port, $8 admin
    // user, then the databases (and whatever follows them, ignored)
    private static final String GUARD = """
            cd / || exit 1
            f=$1; secs=$2; tok=$3; n=$4; psql=$5; h=$6; p=$7; u=$8; shift 8
            trap 'kill "$s" 2>/dev/null; exit 0' TERM HUP INT
            sleep "$secs" & s=$!
            wait "$s"
            # cancelled, or replaced by the guard of a newer pause: not ours to resume
            grep -qx "token=$tok" "$f" 2>/dev/null && grep -qx state=paused "$f" || exit 0
            ok=; bad=; i=0
            for d; do
              i=$((i + 1)); [ "$i" -le "$n" ] || break
              if out=$("$psql" -X -q -h "$h" -p "$p" -U "$u" -d pgbouncer -c "RESUME $d" 2>&1); then ok="$ok $d"
              else bad="$bad $d: $(echo "$out" | tr '\\n' ' ')"; fi
            done
            run=$(sed -n 's/^run=//p' "$f")
            if [ -n "$ok" ]; then
              { grep -v '^state=' "$f"; echo state=resumed; echo "resumed_at=$(date +%s)"; echo "resumed=${ok# }"; } > "$f.tmp.$$" \\
                && mv -f "$f.tmp.$$" "$f"
            else
              # nothing was paused any more (resumed without pgrunbook): nothing for status to tell
              rm -f "$f"
            fi
            echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) run $run: deadline passed, the pause guard resumed${ok:- nothing}${bad:+; failed:$bad}" >> "$f.log"
            """;

    // $1 file, $2 seconds, $3 run id, $4 number of databases, $5 the guard's script, $6 psql, $7 address, $8 port, $9
    // admin user, then the databases, then the PAUSE command (none: only arm)
    private static final String ARM = IS_GUARD + """
            f=$1; secs=$2; run=$3; n=$4; g=$5; psql=$6; h=$7; p=$8; u=$9; shift 9
            # the guard of an earlier pause of this PgBouncer gives way to this one
            if [ -f "$f" ] && grep -qx state=paused "$f"; then stop_guard "$(sed -n 's/^pid=//p' "$f")"; fi
            now=$(date +%s); tok="$now.$$"
            # started from a subshell that ends at once: no process of this command is its parent (a timeout or an
            # interrupt that kills this command's processes leaves it), and setsid gives it its own session (the end of
            # the SSH session or of sudo's terminal does not reach it)
            pid=$( (setsid sh -c "$g" pgrunbook-pause-guard "$f" "$secs" "$tok" "$n" "$psql" "$h" "$p" "$u" "$@" </dev/null >/dev/null 2>&1 & echo $!) )
            dbs=; i=0
            for d; do i=$((i + 1)); [ "$i" -le "$n" ] || break; dbs="$dbs${dbs:+ }$d"; done
            shift "$n"
            if ! { printf 'state=paused\\nrun=%s\\npaused_at=%s\\ndeadline=%s\\ndatabases=%s\\npid=%s\\ntoken=%s\\n' \\
                    "$run" "$now" "$((now + secs))" "$dbs" "$pid" "$tok" > "$f.tmp.$$" && mv -f "$f.tmp.$$" "$f"; }; then
              stop_guard "$pid"; rm -f "$f.tmp.$$"
              echo "pgrunbook: cannot write the pause guard's state file $f as $(id -un): nothing was paused" >&2
              exit 1
            fi
            [ $# -eq 0 ] || exec "$@"
            """;

    // $1 file, then the RESUME command (none: only cancel); the guard is cancelled once the RESUME succeeded
    private static final String CANCEL = IS_GUARD + """
            f=$1; shift
            if [ $# -gt 0 ]; then "$@" || exit $?; fi
            if [ -f "$f" ] && grep -qx state=paused "$f"; then stop_guard "$(sed -n 's/^pid=//p' "$f")"; rm -f "$f"; fi
            exit 0
            """;

    // $1 file, then the SHOW command: the state file (with whether its guard runs, and the host's clock) first
    private static final String READ = IS_GUARD + """
            f=$1; shift
            if [ -f "$f" ]; then
              cat "$f"
              if is_guard "$(sed -n 's/^pid=//p' "$f")"; then echo alive=1; else echo alive=0; fi
              echo "now=$(date +%s)"
            fi
            if [ -w "${f%/*}" ]; then echo writable=1; else echo writable=0; fi
            echo '#pgrunbook-guard-end'
            exec "$@"
            """;

    private PauseGuard() {
    }

    /** {@code <directory of pgbouncer.config_file>/pgrunbook-pause.<console port>}. */
    public static String stateFile(Host h) {
        String dir = stateDir(h);
        return (dir.endsWith("/") ? dir : dir + "/") + "pgrunbook-pause." + h.pgbouncer().port();
    }

    /** The directory of {@code pgbouncer.config_file}, where the state file lives. */
    public static String stateDir(Host h) {
        String config = h.pgbouncer().configFile();
        int slash = config.lastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : config.substring(0, slash);
    }

    /**
     * One command that arms a guard (RESUME {@code databases} after {@code after} unless cancelled) and then runs
     * {@code pause} (null: only arms).
     */
    public static RemoteCommand armThenRun(Host h, Duration after, String runId, List<String> databases, RemoteCommand pause) {
        var pgb = h.pgbouncer();
        long secs = Math.max(1, (after.toMillis() + 999) / 1000);
        List<String> argv = new ArrayList<>(List.of("sh", "-c", ARM, "pgrunbook", stateFile(h), String.valueOf(secs),
                runId == null ? "-" : runId, String.valueOf(databases.size()), GUARD, h.postgres().bin("psql"), h.address(),
                String.valueOf(pgb.port()), pgb.adminUser()));
        argv.addAll(databases);
        if (pause != null) {
            argv.addAll(pause.argv());
        }
        return RemoteCommand.of(argv).as(h.become()).withDisplay(armDisplay(h, after, databases)
                + (pause == null ? "" : "; " + shown(pause)));
    }

    /** How the plan shows the guard: what it will do and where its state is. */
    public static String armDisplay(Host h, Duration after, List<String> databases) {
        return "setsid sh " + NAME + " & (RESUME " + (databases.isEmpty() ? "<the managed databases>" : String.join(", ", databases))
                + " in " + Units.duration(after) + " unless the run resumes first; state in " + stateFile(h) + ")";
    }

    /** One command that runs {@code resume} (null: nothing) and, when it succeeded, cancels the guard. */
    public static RemoteCommand runThenCancel(Host h, RemoteCommand resume) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", CANCEL, "pgrunbook", stateFile(h)));
        if (resume != null) {
            argv.addAll(resume.argv());
        }
        return RemoteCommand.of(argv).as(h.become()).withDisplay((resume == null ? "" : shown(resume) + "; ")
                + "cancel the pause guard (kill it, rm " + stateFile(h) + ")");
    }

    /** One command that prints the guard's state file (if any), then runs {@code show}. */
    public static RemoteCommand readThenRun(Host h, RemoteCommand show) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", READ, "pgrunbook", stateFile(h)));
        argv.addAll(show.argv());
        return RemoteCommand.of(argv).as(h.become()).withDisplay("cat " + stateFile(h) + "; " + shown(show));
    }

    private static String shown(RemoteCommand c) {
        return c.display() != null ? c.display() : io.pgrunbook.remote.Shell.join(c.argv());
    }

    /**
     * What {@link #readThenRun} printed: the guard's state (null: no file), whether the become user may write the
     * state file's directory (a PAUSE needs it), and the output of the command after it.
     */
    public record Read(State state, boolean writable, String rest) {
    }

    static Read split(String stdout, Instant localNow) {
        int i = stdout.indexOf(END + "\n");
        if (i < 0) {
            return new Read(null, false, stdout);
        }
        String head = stdout.substring(0, i);
        return new Read(head.contains("state=") ? parse(head, localNow) : null, head.contains("writable=1"),
                stdout.substring(i + END.length() + 1));
    }

    /**
     * A guard's state file as status shows it.
     *
     * @param paused       true while the guard is armed ({@code state=paused}); false once it resumed (then
     *                     {@code resumedAt} and {@code resumed} say when and what)
     * @param pausedAt     when the run paused, on this machine's clock (the host's clock corrected by their difference)
     * @param deadline     when the guard resumes, on this machine's clock
     * @param guardRunning whether the guard process is alive now
     */
    public record State(boolean paused, String runId, Instant pausedAt, Instant deadline, List<String> databases,
                        Integer pid, boolean guardRunning, Instant resumedAt, List<String> resumed) {
    }

    /** Parses the state file's {@code key=value} lines (plus {@code alive} and {@code now} from the read command). */
    public static State parse(String text, Instant localNow) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        Long remoteNow = num(kv.get("now"));
        long skew = remoteNow == null ? 0 : localNow.getEpochSecond() - remoteNow;
        String run = kv.get("run");
        return new State("paused".equals(kv.get("state")), run == null || run.equals("-") || run.isEmpty() ? null : run,
                at(kv.get("paused_at"), skew), at(kv.get("deadline"), skew), words(kv.get("databases")),
                num(kv.get("pid")) == null ? null : num(kv.get("pid")).intValue(), "1".equals(kv.get("alive")),
                at(kv.get("resumed_at"), skew), words(kv.get("resumed")));
    }

    private static Instant at(String epoch, long skew) {
        Long s = num(epoch);
        return s == null ? null : Instant.ofEpochSecond(s + skew);
    }

    private static Long num(String v) {
        try {
            return v == null || v.isBlank() ? null : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> words(String v) {
        return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
    }
}
