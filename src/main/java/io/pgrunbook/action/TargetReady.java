package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code target-ready} (with: from, method basebackup | rsync | rewind) on the node whose data directory a rebuild or
 * failback is about to move or overwrite: everything the copy needs, proven read-only before anything changes, so
 * that a missing binary or a full disk is a refusal (exit 3) and not a node left without its data directory. The
 * target's bin_dir has the programs the method runs, of the source's major version; the become user can write the
 * data directory, its parent and every tablespace directory; the file system holds the source's databases (copies);
 * a rewind needs the same system identifier on both sides.
 */
public final class TargetReady {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private TargetReady() {
    }

    /** The programs of bin_dir each method runs on the target (rsync comes from PATH). */
    static List<String> programs(String method) {
        return switch (method) {
            case "rsync" -> List.of("pg_ctl", "pg_controldata", "postgres");
            case "rewind" -> List.of("pg_ctl", "pg_controldata", "postgres", "pg_rewind");
            default -> List.of("pg_ctl", "pg_controldata", "postgres", "pg_basebackup");
        };
    }

    /** The major version in a program's {@code -V} line ("pg_rewind (PostgreSQL) 15.5" is 15; 9.6.24 is 9.6); null when none. */
    static String major(String versionLine) {
        Matcher m = VERSION.matcher(versionLine == null ? "" : versionLine);
        if (!m.find()) {
            return null;
        }
        int first = Integer.parseInt(m.group(1));
        return first >= 10 || m.group(2) == null ? Integer.toString(first) : first + "." + m.group(2);
    }

    /** The server's major version from server_version_num. */
    static String major(int versionNum) {
        return versionNum >= 100000 ? Integer.toString(versionNum / 10000) : (versionNum / 10000) + "." + (versionNum / 100 % 100);
    }

    /** What the target's probe script reported: one "KEY VALUE" per line. */
    record Probe(Map<String, String> facts) {
        String get(String key) {
            return facts.get(key);
        }

        static Probe parse(String out) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    m.put(line.substring(0, sp), line.substring(sp + 1).strip());
                } else if (!line.isBlank()) {
                    m.put(line.strip(), "");
                }
            }
            return new Probe(m);
        }
    }

    /** One shell script, run as the become user, that reports every fact the refusals need (changes nothing). */
    static String script(Host t, String method, List<String> tablespaces) {
        String data = t.postgres().dataDir();
        String parent = RebuildCheckAction.parent(data);
        StringBuilder s = new StringBuilder();
        for (String p : programs(method)) {
            String path = Shell.quote(t.postgres().bin(p));
            s.append("if [ -x ").append(path).append(" ]; then echo \"bin.").append(p).append(" $(").append(path)
                    .append(" -V 2>&1 | head -n 1)\"; else echo bin.").append(p).append("; fi; ");
        }
        if (method.equals("rsync")) {
            s.append("if command -v rsync >/dev/null 2>&1; then echo \"bin.rsync $(rsync --version 2>&1 | head -n 1)\"; else echo bin.rsync; fi; ");
        }
        s.append("if [ -w ").append(Shell.quote(parent)).append(" ] && [ -x ").append(Shell.quote(parent)).append(" ]; then echo w.parent yes; else echo w.parent no; fi; ");
        s.append("if [ -e ").append(Shell.quote(data)).append(" ]; then if [ -w ").append(Shell.quote(data)).append(" ]; then echo w.data yes; else echo w.data no; fi; fi; ");
        for (int i = 0; i < tablespaces.size(); i++) {
            String d = Shell.quote(tablespaces.get(i));
            // a missing directory is made by the copy: then its parent must be writable
            s.append("if [ -d ").append(d).append(" ]; then if [ -w ").append(d).append(" ]; then echo w.ts").append(i).append(" yes; else echo w.ts").append(i)
                    .append(" no; fi; elif [ -w \"$(dirname ").append(d).append(")\" ]; then echo w.ts").append(i).append(" yes; else echo w.ts").append(i).append(" no; fi; ");
        }
        s.append("echo \"df $(df -Pk ").append(Shell.quote(parent)).append(" 2>/dev/null | tail -n 1)\"; ");
        s.append("echo \"sysid $(LC_ALL=C ").append(Shell.quote(t.postgres().bin("pg_controldata"))).append(" -D ").append(Shell.quote(data))
                .append(" 2>/dev/null | sed -n 's/^Database system identifier: *//p')\"");
        return s.toString();
    }

    /** The source's facts: major version, databases' size, system identifier, tablespace directories. */
    record Source(int versionNum, long size, String systemId, List<String> tablespaces) {
    }

    static Source source(StepRuntime rt, Host src) throws SQLException {
        try (Connection c = rt.sql(src, null)) {
            List<String> ts = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE pg_tablespace_location(oid) <> '' ORDER BY 1")) {
                while (rs.next()) {
                    ts.add(rs.getString(1));
                }
            }
            return new Source(DataDir.serverVersion(c), DataDir.databaseSize(c), DataDir.systemIdentifier(c), ts);
        }
    }

    /** Why the target is not ready for {@code method} from {@code src}: each a line naming the host, what and the fix. */
    static List<String> refusals(Host t, Host src, String method, Source s, Probe p) {
        List<String> out = new ArrayList<>();
        String want = major(s.versionNum());
        for (String prog : programs(method)) {
            String v = p.get("bin." + prog);
            String path = t.postgres().bin(prog);
            if (v == null || v.isEmpty()) {
                out.add(t.name() + ": " + path + " is missing (or not executable) in bin_dir " + t.postgres().binDir()
                        + "; fix: install the PostgreSQL " + want + " server package on " + t.name() + " or set postgres.bin_dir for it in the inventory");
            } else if (!want.equals(major(v)) && !prog.equals("pg_controldata")) {
                // pg_controldata of another major reads pg_control of 12 to 17 alike (the layout up to its checksum has
                // not changed; VersionMatrixIT proves it), and every read checks that checksum (ControlData.crcOk)
                out.add(t.name() + ": " + path + " is " + v + ", but " + src.name() + " runs PostgreSQL " + want
                        + "; fix: point postgres.bin_dir of " + t.name() + " at PostgreSQL " + want + "'s binaries");
            }
        }
        if (method.equals("rsync") && (p.get("bin.rsync") == null || p.get("bin.rsync").isEmpty())) {
            out.add(t.name() + ": rsync is not installed (not on the PATH of " + t.become() + "); fix: install rsync on " + t.name()
                    + " and " + src.name() + ", or rebuild with --method basebackup");
        }
        String as = t.become() != null ? t.become() : "the login user";
        String data = t.postgres().dataDir();
        String parent = RebuildCheckAction.parent(data);
        if (!"yes".equals(p.get("w.parent"))) {
            out.add(t.name() + ": " + as + " cannot write " + parent + " (the data directory's parent, where it is "
                    + (method.equals("rewind") ? "saved beside" : "moved aside or made") + "); fix: chown " + as + " " + parent);
        }
        if ("no".equals(p.get("w.data"))) {
            out.add(t.name() + ": " + as + " cannot write " + data + "; fix: chown -R " + as + " " + data);
        }
        if (method.equals("rewind") && p.get("w.data") == null) {
            out.add(t.name() + ": " + data + " does not exist: there is nothing to rewind; fix: pgrunbook rebuild " + t.name() + " --from " + src.name());
        }
        for (int i = 0; i < s.tablespaces().size(); i++) {
            if (!"yes".equals(p.get("w.ts" + i))) {
                out.add(t.name() + ": " + as + " cannot write the tablespace directory " + s.tablespaces().get(i)
                        + " (tablespaces keep the same path on every host); fix: create it on " + t.name() + " owned by " + as);
            }
        }
        if (!method.equals("rewind")) {
            Long free = RebuildCheckAction.dfAvailable("header\n" + (p.get("df") == null ? "" : p.get("df")));
            if (free == null) {
                out.add(t.name() + ": cannot read the free space of " + parent + " (df -Pk)");
            } else {
                String why = RebuildGuards.refuseSpace(free, s.size());
                if (why != null) {
                    out.add(t.name() + ":" + parent + ": " + why + "; fix: free space there, or rebuild with --discard-old after an earlier rebuild's old copy is removed");
                }
            }
        } else {
            String id = p.get("sysid");
            if (id == null || id.isEmpty()) {
                out.add(t.name() + ": pg_controldata cannot read " + data + "'s pg_control: pg_rewind cannot work; fix: pgrunbook rebuild "
                        + t.name() + " --from " + src.name());
            } else if (!id.equals(s.systemId())) {
                out.add(t.name() + " is another cluster (system identifier " + id + ", " + src.name() + " has " + s.systemId()
                        + "): pg_rewind cannot join it; fix: pgrunbook rebuild " + t.name() + " --from " + src.name());
            }
        }
        return out;
    }

    /** The proof for a target and source; empty when ready. */
    static List<String> prove(StepRuntime rt, Host t, Host src, String method) {
        Source s;
        try {
            s = source(rt, src);
        } catch (SQLException e) {
            return List.of("cannot read the source " + src.name() + ": " + e.getMessage());
        }
        ExecResult r = rt.transport(t).exec(RemoteCommand.shell(script(t, method, s.tablespaces())).as(t.become()),
                ExecOptions.timeout(Duration.ofSeconds(60)));
        if (r.exitCode() == null) {
            return List.of(t.name() + ": cannot look at its binaries and directories: " + r.tail(2).replace('\n', ' '));
        }
        return refusals(t, src, method, s, Probe.parse(r.stdout()));
    }

    /** {@code target-ready} (with: from, method). */
    public static Check check() {
        return new Checks.HostCheck("target-ready", null, Set.of("from", "method"), ctx -> {
            Host t = ctx.host();
            String from = ctx.option("from", "");
            Host src = ctx.cluster().host(from).orElse(null);
            if (src == null) {
                return CheckResult.fail(t.name() + ": no source to copy from (no live primary, or --from names no host)");
            }
            String method = ctx.option("method", "basebackup");
            if (!Set.of("basebackup", "rsync", "rewind").contains(method)) {
                return CheckResult.fail("--method " + method + " is not one of basebackup, rsync");
            }
            if (src.name().equals(t.name())) {
                return CheckResult.pass("source and target are the same host (refused by rebuild-source)");
            }
            try {
                List<String> why = prove(ctx.runtime(), t, src, method);
                return why.isEmpty() ? CheckResult.pass(t.name() + ": " + String.join(", ", programs(method)) + (method.equals("rsync") ? ", rsync" : "")
                        + " of " + src.name() + "'s major version; data directory, parent and tablespaces writable"
                        + (method.equals("rewind") ? "; same system identifier" : "; room for the copy"))
                        : CheckResult.fail(String.join("; ", why) + "; nothing was changed");
            } catch (RuntimeException e) {
                return CheckResult.fail(t.name() + ": cannot prove the " + method + " can work: " + e.getMessage());
            }
        });
    }

    /** For an action's precondition: the same proof right before the data directory is touched. */
    static List<String> precondition(StepContext ctx, Host src, String method) {
        try {
            return prove(ctx.runtime(), ctx.host(), src, method);
        } catch (RuntimeException e) {
            return List.of(ctx.host().name() + ": cannot prove the " + method + " can work: " + e.getMessage());
        }
    }
}
