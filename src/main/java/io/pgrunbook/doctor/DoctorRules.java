package io.pgrunbook.doctor;

import io.pgrunbook.inventory.Units;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The pure judgements of {@code doctor}: facts in, a finding out. No I/O, so each rule has a unit test. */
public final class DoctorRules {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");
    public static final double MAX_SKEW_SECONDS = 2.0;
    /** A rebuild's pg_basebackup -X stream takes two WAL senders. */
    public static final int WAL_SENDER_HEADROOM = 2;

    private DoctorRules() {
    }

    /** The major version in {@code pg_ctl --version} output ("pg_ctl (PostgreSQL) 15.8" is 15; 9.6.24 is 9.6), or null. */
    public static String major(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput == null ? "" : versionOutput);
        if (!m.find()) {
            return null;
        }
        int first = Integer.parseInt(m.group(1));
        return first < 10 && m.group(2) != null ? first + "." + m.group(2) : String.valueOf(first);
    }

    /** Every host on the same major version. */
    public static Finding sameMajor(Map<String, String> majorByHost) {
        Set<String> majors = new TreeSet<>(majorByHost.values());
        if (majors.size() <= 1) {
            return Finding.pass("-", "same major version", majors.isEmpty() ? "no version read" : "PostgreSQL " + majors.iterator().next() + " everywhere");
        }
        return Finding.fail("-", "same major version", "major versions differ: " + majorByHost,
                "a standby must run the primary's major version; install the same bin_dir everywhere");
    }

    /** Needed by pg_rewind: wal_log_hints or data checksums. */
    public static Finding rewindable(String host, String dataChecksums, String walLogHints) {
        boolean ok = "on".equals(dataChecksums) || "on".equals(walLogHints);
        return ok ? Finding.pass(host, "wal_log_hints or checksums", "data_checksums " + dataChecksums + ", wal_log_hints " + walLogHints)
                : Finding.fail(host, "wal_log_hints or checksums", "data_checksums off and wal_log_hints off: pg_rewind cannot run",
                "ALTER SYSTEM SET wal_log_hints = on; then restart PostgreSQL");
    }

    /**
     * The archiver of a primary: broken when its last failure is newer than its last success (or it never succeeded
     * but failed), or when WAL piles up in archive_status (.ready files beyond a handful).
     */
    public static Finding archiver(String host, String archiveMode, long failedCount, OffsetDateTime lastArchived,
                                   OffsetDateTime lastFailed, String lastFailedWal, Integer readyFiles) {
        return archiver(host, archiveMode, failedCount, lastArchived, lastFailed, lastFailedWal, readyFiles, null);
    }

    private static final Pattern REFUSES_EXISTING = Pattern.compile("(?:test|\\[)\\s+!\\s+-[fe]\\s+(\\S+?)/%f");

    /**
     * Whether an archive_command refuses every file already in the archive, even one with the same bytes
     * ({@code test ! -f DIR/%f && cp %p DIR/%f}, the documentation's short example). After a change of primary the new
     * primary archives again segments the old one archived, with identical bytes, and such a command fails on them for
     * ever. A command that compares ({@code cmp}, {@code diff}) accepts them.
     */
    public static boolean refusesArchivedSegment(String archiveCommand) {
        return archiveCommand != null && REFUSES_EXISTING.matcher(archiveCommand).find()
                && !archiveCommand.contains("cmp ") && !archiveCommand.contains("diff ");
    }

    /**
     * An archive_command that accepts a segment already archived with identical bytes and never leaves a partial file
     * under the final name (copy to a temporary name, then rename), for the archive directory {@code dir}.
     */
    public static String idempotentArchiveCommand(String dir) {
        return "if [ -f " + dir + "/%f ]; then cmp -s %p " + dir + "/%f; else cp %p " + dir + "/.%f.tmp && mv " + dir + "/.%f.tmp " + dir + "/%f; fi";
    }

    /** The cause of an archiver failing on a segment already archived, or null when that is not what the command does. */
    public static String archivedSegmentCause(String archiveCommand, String lastFailedWal) {
        if (!refusesArchivedSegment(archiveCommand)) {
            return null;
        }
        return "archive_command (" + archiveCommand + ") refuses a segment already in the archive"
                + (lastFailedWal == null ? "" : " (" + lastFailedWal + ")")
                + ", even with the same bytes: after a change of primary the new primary archives again what the old one archived";
    }

    /** The fix for {@link #archivedSegmentCause}: the archive_command to set, for the directory the current one names. */
    public static String archivedSegmentFix(String archiveCommand) {
        Matcher m = REFUSES_EXISTING.matcher(archiveCommand == null ? "" : archiveCommand);
        String dir = m.find() ? m.group(1) : "/ARCHIVE";
        String cmd = idempotentArchiveCommand(dir);
        return "accept a segment already archived with identical bytes, as the PostgreSQL documentation recommends:"
                + " ALTER SYSTEM SET archive_command = " + io.pgrunbook.pg.Quote.literal(cmd) + "; SELECT pg_reload_conf(); (on every node)";
    }

    /** As {@link #archiver(String, String, long, OffsetDateTime, OffsetDateTime, String, Integer)}, naming the cause when the command refuses archived segments. */
    public static Finding archiver(String host, String archiveMode, long failedCount, OffsetDateTime lastArchived,
                                   OffsetDateTime lastFailed, String lastFailedWal, Integer readyFiles, String archiveCommand) {
        if (archiveMode == null || archiveMode.equals("off")) {
            return Finding.fail(host, "archive_command", "archive_mode is off", "set archive_mode = on and an archive_command"
                    + " (a restart); standbys and rewind need the WAL archive");
        }
        boolean failing = lastFailed != null && (lastArchived == null || lastFailed.isAfter(lastArchived));
        String ready = readyFiles == null ? "" : ", " + readyFiles + " .ready file(s) waiting";
        if (failing) {
            String cause = archivedSegmentCause(archiveCommand, lastFailedWal);
            String by = "run the archive_command by hand as the postgres user and read the server log (pgrunbook logs "
                    + host + " --grep archive)";
            return Finding.fail(host, "archive_command", "failing: last failure " + lastFailed + (lastFailedWal == null ? "" : " (" + lastFailedWal + ")")
                    + ", last success " + (lastArchived == null ? "never" : lastArchived.toString()) + ", " + failedCount + " failure(s)" + ready
                    + (cause == null ? "" : "; likely cause: " + cause),
                    cause == null ? by : archivedSegmentFix(archiveCommand) + "; to be sure, " + by);
        }
        if (readyFiles != null && readyFiles > 10) {
            return Finding.fail(host, "archive_command", "archiving falls behind" + ready,
                    "check the archive destination's speed and space");
        }
        return Finding.pass(host, "archive_command", "archiving" + (lastArchived == null ? " (nothing archived yet)" : ", last " + lastArchived)
                + (failedCount > 0 ? ", " + failedCount + " old failure(s)" : "") + ready);
    }

    public static Finding restoreCommand(String host, String restoreCommand) {
        return restoreCommand == null || restoreCommand.isBlank()
                ? Finding.fail(host, "restore_command", "not set on a standby: it cannot catch up from the archive",
                "set restore_command (e.g. cp /archive/%f %p) and reload")
                : Finding.pass(host, "restore_command", restoreCommand);
    }

    /** A replication slot as the primary reports it; {@code retainedBytes} null when it holds no WAL. */
    public record Slot(String name, String type, boolean active, Long retainedBytes) {
    }

    /** Missing slots for the physical standbys (named after the host) and inactive slots that hold WAL back. */
    public static List<Finding> slots(String primary, List<String> expected, List<Slot> slots) {
        List<Finding> out = new java.util.ArrayList<>();
        for (String name : expected) {
            if (slots.stream().noneMatch(s -> s.name().equals(name) && s.type().equals("physical"))) {
                out.add(Finding.fail(primary, "slot " + name, "no physical replication slot for standby " + name,
                        "SELECT pg_create_physical_replication_slot('" + name + "'); and set primary_slot_name = '" + name + "' on " + name));
            }
        }
        for (Slot s : slots) {
            if (!s.active()) {
                String retained = s.retainedBytes() == null ? "no WAL" : Units.bytes(s.retainedBytes());
                out.add(Finding.fail(primary, "slot " + s.name(), "inactive " + s.type() + " slot retains " + retained,
                        "if nothing uses it any more: SELECT pg_drop_replication_slot('" + s.name() + "'); else start its consumer"));
            } else if (expected.contains(s.name())) {
                out.add(Finding.pass(primary, "slot " + s.name(), "active " + s.type() + " slot"));
            }
        }
        return out;
    }

    public static Finding walSenders(String host, int max, int used) {
        int free = max - used;
        return free >= WAL_SENDER_HEADROOM
                ? Finding.pass(host, "max_wal_senders", used + " of " + max + " in use")
                : Finding.fail(host, "max_wal_senders", used + " of " + max + " in use: no room for a rebuild (needs " + WAL_SENDER_HEADROOM + ")",
                "raise max_wal_senders (a restart)");
    }

    /** Free space on the data directory's filesystem against the largest database. */
    public static Finding disk(String host, String dataDir, long availableKb, Long largestDatabaseBytes) {
        long free = availableKb * 1024;
        String detail = Units.bytes(free) + " free on " + dataDir + (largestDatabaseBytes == null ? ""
                : ", largest database " + Units.bytes(largestDatabaseBytes));
        if (largestDatabaseBytes != null && free < largestDatabaseBytes) {
            return Finding.fail(host, "free disk", detail, "free space on the filesystem of " + dataDir
                    + ": a rebuild or a big catch-up needs at least the largest database's size");
        }
        return Finding.pass(host, "free disk", detail);
    }

    /** The available KB of {@code df -Pk} output (second line, fourth column), or null. */
    public static Long dfAvailableKb(String dfOutput) {
        String[] lines = dfOutput == null ? new String[0] : dfOutput.strip().split("\n");
        if (lines.length < 2) {
            return null;
        }
        String[] f = lines[lines.length - 1].trim().split("\\s+");
        try {
            return f.length >= 4 ? Long.parseLong(f[3]) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Clock skew of a host against this machine; {@code skewSeconds} already corrected by half the round trip. */
    public static Finding clock(String host, double skewSeconds) {
        String d = String.format(java.util.Locale.ROOT, "%+.3f s against this machine", skewSeconds);
        return Math.abs(skewSeconds) > MAX_SKEW_SECONDS
                ? Finding.fail(host, "clock skew", d, "synchronise the clocks (chrony/ntpd): lag times and journals lie otherwise")
                : Finding.pass(host, "clock skew", d);
    }

    /**
     * A tablespace outside the data directory, as the server on {@code host} uses it ({@code location}: its pg_tblspc
     * link): listed with its size, and failed when the directory is not there for the become user to write (a rebuild
     * or failback would fail half-way) or when it is not where the inventory's tablespace_map puts it on this host.
     */
    public static Finding tablespace(String host, String name, String location, Long sizeBytes, String inventoryPath,
                                     String dirState, String as) {
        String check = "tablespace " + name;
        String detail = location + (sizeBytes == null ? "" : ", " + Units.bytes(sizeBytes));
        if (!location.equals(inventoryPath)) {
            return Finding.fail(host, check, detail + ": the server uses " + location + " but postgres.tablespace_map puts it at " + inventoryPath,
                    "correct postgres.tablespace_map of " + host + " (rebuilds and failbacks copy to the inventory's path)");
        }
        return switch (dirState == null ? "" : dirState) {
            case "ok" -> Finding.pass(host, check, detail + ", directory writable by " + as);
            case "missing" -> Finding.fail(host, check, detail + ": the directory is missing", "restore " + location
                    + " on " + host + " (owned by " + as + "), or rebuild " + host);
            case "readonly" -> Finding.fail(host, check, detail + ": " + as + " cannot write the directory", "chown -R " + as + " " + location);
            default -> Finding.fail(host, check, detail + ": cannot look at the directory", "check the login and become of " + host);
        };
    }

    /** The functions pg_rewind calls on its source server, which a role that is not superuser must be granted. */
    public static final List<String> REWIND_FUNCTIONS = List.of("pg_catalog.pg_ls_dir(text, boolean, boolean)",
            "pg_catalog.pg_stat_file(text, boolean)", "pg_catalog.pg_read_binary_file(text)",
            "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)");

    /**
     * The database user pg_rewind and the failback's CHECKPOINT use on the primary (postgres.user): a superuser, or a
     * role with EXECUTE on {@link #REWIND_FUNCTIONS} and, for CHECKPOINT, pg_checkpoint (15+). Names every missing
     * privilege with the statement that grants it.
     */
    public static Finding rewindRole(String host, String user, boolean superuser, Map<String, Boolean> execute, boolean checkpoint) {
        if (superuser) {
            return Finding.pass(host, "rewind role", user + " is a superuser");
        }
        List<String> grants = new java.util.ArrayList<>();
        for (String f : REWIND_FUNCTIONS) {
            if (!Boolean.TRUE.equals(execute.get(f))) {
                grants.add("GRANT EXECUTE ON FUNCTION " + f + " TO " + user);
            }
        }
        if (!checkpoint) {
            grants.add("GRANT pg_checkpoint TO " + user + " (PostgreSQL 15+; before 15 CHECKPOINT needs a superuser)");
        }
        if (grants.isEmpty()) {
            return Finding.pass(host, "rewind role", user + " is not a superuser but has what pg_rewind and CHECKPOINT need");
        }
        return Finding.fail(host, "rewind role", user + " is not a superuser and lacks what failback needs (pg_rewind reads the"
                + " primary's files with it, then CHECKPOINT): " + grants.size() + " privilege(s) missing", String.join("; ", grants));
    }

    /** A replication role as pg_roles shows it on the primary; {@code exists} false when there is no such role. */
    public record RoleFacts(String name, boolean exists, boolean superuser, boolean login, boolean replication) {
    }

    /** The role standbys stream with (replication.user): it exists, may log in, and has REPLICATION (or is superuser). */
    public static Finding replicationRole(String host, RoleFacts r, List<String> standbys) {
        String check = "replication role " + r.name();
        String who = " (used by " + String.join(", ", standbys) + ")";
        if (!r.exists()) {
            return Finding.fail(host, check, "no role " + r.name() + who, "CREATE ROLE " + r.name() + " REPLICATION LOGIN"
                    + " (its password in each standby's ~/.pgpass)");
        }
        List<String> missing = new java.util.ArrayList<>();
        if (!r.login()) {
            missing.add("LOGIN");
        }
        if (!r.replication() && !r.superuser()) {
            missing.add("REPLICATION");
        }
        return missing.isEmpty() ? Finding.pass(host, check, (r.superuser() ? "superuser" : "REPLICATION LOGIN") + who)
                : Finding.fail(host, check, r.name() + " lacks " + String.join(" and ", missing) + who + ": standbys cannot stream",
                "ALTER ROLE " + r.name() + " " + String.join(" ", missing));
    }

    /**
     * What the login shell printed ahead of a command (remote/LoginNoise): pgrunbook reads past it, so it is no
     * failure, but it is the kind of startup file that breaks other tools (scp, rsync) and hides a real error; null
     * when the login is quiet.
     */
    public static Finding loginNoise(String host, String noise) {
        if (noise == null || noise.isEmpty()) {
            return null;
        }
        int bytes = noise.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        String first = noise.strip().split("\n", 2)[0];
        if (first.length() > 60) {
            first = first.substring(0, 57) + "...";
        }
        return new Finding(host, "login output", Finding.Result.PASS, "the login shell prints " + bytes
                + " bytes on a non-interactive command (first line: '" + io.pgrunbook.remote.Sanitize.text(first)
                + "'): pgrunbook ignores them",
                "print only in interactive shells: move it below the 'not interactive: return' guard of ~/.bashrc"
                        + " (or /etc/bash.bashrc, ~/.profile, /etc/profile.d)");
    }
}
