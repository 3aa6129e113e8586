package io.pgrunbook.action;

import io.pgrunbook.action.Tablespaces.Tablespace;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.SQLException;
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
 * data directory and its parent; the file system holds the source's databases (copies); a rewind needs the same
 * system identifier on both sides. Each tablespace, at the target's own path (postgres.tablespace_map, else the
 * site path): never the source's very directory (one machine, no map); for a base backup empty and writable, or
 * absent with a writable parent, or holding an earlier copy that can be moved aside (not a mount point, parent
 * writable); for rsync writable; for a rewind linked from pg_tblspc to that path and writable.
 */
public final class TargetReady {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private TargetReady() {
    }

    /** The programs of bin_dir each method runs on the target (rsync comes from PATH). */
    static List<String> programs(String method) {
        return switch (method) {
            case "rsync", "barman" -> List.of("pg_ctl", "pg_controldata", "postgres");
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
    static String script(Host t, Host src, String method, List<Tablespace> tablespaces) {
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
            s.append(tablespaceScript(i, tablespaces.get(i).pathOn(t, src), tablespaces.get(i).link(t)));
        }
        s.append("echo \"df $(df -Pk ").append(Shell.quote(parent)).append(" 2>/dev/null | tail -n 1)\"; ");
        s.append("echo \"sysid $(LC_ALL=C ").append(Shell.quote(t.postgres().bin("pg_controldata"))).append(" -D ").append(Shell.quote(data))
                .append(" 2>/dev/null | sed -n 's/^Database system identifier: *//p')\"");
        return s.toString();
    }

    /** The identity of a directory on its machine: boot id, device and inode; two paths with one identity are one directory. */
    static String identityScript(String key, String path) {
        String p = Shell.quote(path);
        return "if [ -d " + p + " ]; then echo \"" + key + " $(cat /proc/sys/kernel/random/boot_id 2>/dev/null):$(stat -c %d:%i " + p
                + " 2>/dev/null)\"; fi; ";
    }

    /**
     * What the target has at a tablespace's path: absent, empty, full (an earlier copy) or a file; whether it (or the
     * nearest existing parent, which a copy creates it in) is writable; whether it is a mount point (cannot be moved
     * aside); its identity; and where the data directory's pg_tblspc link points.
     */
    static String tablespaceScript(int i, String path, String link) {
        String p = Shell.quote(path);
        String k = "ts" + i;
        return "if [ -d " + p + " ]; then if [ -z \"$(ls -A " + p + " 2>/dev/null)\" ]; then echo " + k + ".state empty; else echo " + k
                + ".state full; fi; if [ -w " + p + " ]; then echo " + k + ".w yes; else echo " + k + ".w no; fi; "
                + "if [ \"$(stat -c %d " + p + ")\" != \"$(stat -c %d " + p + "/..)\" ]; then echo " + k + ".mnt yes; fi; "
                + "elif [ -e " + p + " ]; then echo " + k + ".state file; else echo " + k + ".state absent; fi; "
                + identityScript(k + ".id", path)
                + "d=$(dirname " + p + "); while [ ! -e \"$d\" ]; do d=$(dirname \"$d\"); done; "
                + "if [ -w \"$d\" ] && [ -x \"$d\" ]; then echo " + k + ".pw yes; else echo " + k + ".pw no; fi; "
                + "echo \"" + k + ".link $(readlink " + Shell.quote(link) + " 2>/dev/null)\"; ";
    }

    /**
     * The source's facts: major version, databases' size, system identifier, tablespaces, and the identity of each
     * tablespace directory on the source's machine (empty when unknown).
     */
    record Source(int versionNum, long size, String systemId, List<Tablespace> tablespaces, Map<String, String> ids) {
        Source(int versionNum, long size, String systemId, List<Tablespace> tablespaces) {
            this(versionNum, size, systemId, tablespaces, Map.of());
        }
    }

    static Source source(StepRuntime rt, Host src) throws SQLException {
        try (Connection c = rt.sql(src, null)) {
            List<Tablespace> ts = Tablespaces.of(c);
            return new Source(DataDir.serverVersion(c), DataDir.databaseSize(c), DataDir.systemIdentifier(c), ts, ids(rt, src, ts));
        }
    }

    /** The identities of the source's tablespace directories, read on the source; empty when it cannot be asked. */
    private static Map<String, String> ids(StepRuntime rt, Host src, List<Tablespace> ts) {
        if (ts.isEmpty()) {
            return Map.of();
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < ts.size(); i++) {
            s.append(identityScript("ts" + i + ".id", ts.get(i).location()));
        }
        try {
            ExecResult r = rt.transport(src).exec(RemoteCommand.shell(s + "true").as(src.become()), ExecOptions.timeout(Duration.ofSeconds(30)));
            return r.ok() ? Probe.parse(r.stdout()).facts() : Map.of();
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    /** A boot id, device and inode: anything less identifies nothing. */
    private static boolean identity(String id) {
        return id != null && id.matches("[0-9a-f-]{8,}:\\d+:\\d+");
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
            String why = refuseTablespace(t, src, method, s.tablespaces().get(i), as, i, s, p);
            if (why != null) {
                out.add(why);
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

    /** Why a tablespace stops {@code method} on the target; null when it does not. */
    static String refuseTablespace(Host t, Host src, String method, Tablespace ts, String as, int i, Source s, Probe p) {
        String k = "ts" + i;
        String path = ts.pathOn(t, src);
        String what = t.name() + ": tablespace " + ts.name() + " at " + path;
        String state = p.get(k + ".state");
        String srcId = s.ids().get(k + ".id");
        if (identity(srcId) && srcId.equals(p.get(k + ".id"))) {
            return what + " is the very directory " + src.name() + " uses (" + ts.location() + ", one machine):"
                    + " the copy would overwrite it; fix: give " + t.name() + " its own path with postgres.tablespace_map, e.g. {\""
                    + ts.sitePath(src) + "\": \"" + ts.sitePath(src) + "-" + t.name() + "\"}";
        }
        if ("file".equals(state)) {
            return what + " is a file, not a directory; fix: move it away on " + t.name();
        }
        boolean parentOk = "yes".equals(p.get(k + ".pw"));
        boolean writable = "yes".equals(p.get(k + ".w"));
        String fixOwn = "fix: create " + path + " on " + t.name() + " owned by " + as + " (mode 0700)"
                + (ts.sitePath(src).equals(path) ? "" : ", or correct postgres.tablespace_map of " + t.name());
        switch (method) {
            case "basebackup" -> {
                if ("absent".equals(state) && !parentOk) {
                    return what + " does not exist and " + as + " cannot create it; " + fixOwn;
                }
                if ("empty".equals(state) && !writable) {
                    return what + " is not writable by " + as + "; fix: chown " + as + " " + path;
                }
                if ("full".equals(state) && ("yes".equals(p.get(k + ".mnt")) || !parentOk)) {
                    return what + " holds an earlier copy that must be moved aside (pg_basebackup writes only into an empty"
                            + " directory), but " + ("yes".equals(p.get(k + ".mnt")) ? "it is a mount point"
                            : as + " cannot write its parent") + "; fix: move its contents elsewhere on " + t.name()
                            + " (keep them until the new copy streams), or rebuild with --method rsync";
                }
            }
            case "rsync" -> {
                if ("absent".equals(state) ? !parentOk : !writable) {
                    return what + ("absent".equals(state) ? " does not exist and " + as + " cannot create it; " + fixOwn
                            : " is not writable by " + as + "; fix: chown -R " + as + " " + path);
                }
            }
            default -> {
                String link = p.get(k + ".link");
                if (link == null || link.isEmpty()) {
                    if (!path.equals(ts.location())) {
                        return t.name() + " has no pg_tblspc/" + ts.oid() + " for tablespace " + ts.name() + " (made after it left):"
                                + " pg_rewind would link it to " + src.name() + "'s path " + ts.location() + ", not " + path
                                + "; fix: pgrunbook rebuild " + t.name() + " --from " + src.name();
                    }
                } else if (!link.equals(path)) {
                    return t.name() + ": pg_tblspc/" + ts.oid() + " (tablespace " + ts.name() + ") points at " + link + ", but the inventory"
                            + " puts it at " + path + "; fix: correct postgres.tablespace_map of " + t.name() + ", or pgrunbook rebuild "
                            + t.name() + " --from " + src.name();
                }
                // pg_rewind makes a missing link but not the directory it points at: then it cannot write through it
                if ("absent".equals(state)) {
                    return what + " does not exist; " + fixOwn;
                }
                if (!writable) {
                    return what + " is not writable by " + as + "; fix: chown -R " + as + " " + path;
                }
            }
        }
        return null;
    }

    /** The proof for a target and source; empty when ready. */
    static List<String> prove(StepRuntime rt, Host t, Host src, String method) {
        Source s;
        try {
            s = source(rt, src);
        } catch (SQLException e) {
            return List.of("cannot read the source " + src.name() + ": " + e.getMessage());
        }
        ExecResult r = rt.transport(t).exec(RemoteCommand.shell(script(t, src, method, s.tablespaces())).as(t.become()),
                ExecOptions.timeout(Duration.ofSeconds(60)));
        if (r.exitCode() == null) {
            return List.of(t.name() + ": cannot look at its binaries and directories: " + r.tail(2).replace('\n', ' '));
        }
        return refusals(t, src, method, s, Probe.parse(r.stdout()));
    }

    /** {@code target-ready} (with: from, method). */
    public static Check check() {
        return new Checks.HostCheck(Description.of("A destructive copy onto the host can succeed: disk, binaries, privileges, source access.") .option("from", "HOST: the source") .option("method", "basebackup, rsync or rewind"), "target-ready", null, Set.of("from", "method"), ctx -> {
            Host t = ctx.host();
            String from = ctx.option("from", "");
            Host src = ctx.cluster().host(from).orElse(null);
            if (src == null) {
                return CheckResult.fail(t.name() + ": no source to copy from (no live primary, or --from names no host)");
            }
            String method = ctx.option("method", "basebackup");
            if (!Set.of("basebackup", "rsync", "rewind", "barman").contains(method)) {
                return CheckResult.fail("--method " + method + " is not one of basebackup, rsync, barman");
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
