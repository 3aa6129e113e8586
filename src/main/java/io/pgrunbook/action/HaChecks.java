package io.pgrunbook.action;

import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.doctor.DoctorRules;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Preflight checks of switchover and failover. Each failure names the host and the figure, never a bare "no good
 * candidate". All read-only.
 */
public final class HaChecks {
    private HaChecks() {
    }

    /** The live primary, or a failure naming what there is instead. */
    private static NodeState primary(CheckContext ctx) {
        List<NodeState> p = ctx.state().primaries().stream().filter(n -> n.role().isPhysical()).toList();
        return p.size() == 1 ? p.get(0) : null;
    }

    /** {@code standby-of-primary}: a physical standby streaming from the live primary, same system and timeline. */
    public static Check standbyOfPrimary() {
        return new Checks.HostCheck(Description.of("The host is a standby streaming from the live primary."), "standby-of-primary", null, Set.of(), ctx -> {
            NodeState n = ctx.node();
            NodeState p = primary(ctx);
            String h = n.name();
            if (p == null) {
                return CheckResult.fail("no single live primary to switch over from (" + ctx.state().primaries().size() + " primaries)");
            }
            if (!n.role().isPhysical()) {
                return CheckResult.fail(h + " is a logical REPLICA: it is never promoted");
            }
            if (n.state() != LiveState.STANDBY) {
                return CheckResult.fail(h + " is " + n.state().json() + ", not a standby" + (n.error() != null ? " (" + n.error() + ")" : ""));
            }
            if (!n.streaming()) {
                return CheckResult.fail(h + " is not streaming (walreceiver " + (n.receiverStatus() == null ? "not running" : n.receiverStatus()) + ")");
            }
            if (!p.name().equals(n.upstream())) {
                return CheckResult.fail(h + " streams from " + n.upstream() + ", not from the primary " + p.name());
            }
            if (n.systemIdentifier() != null && !n.systemIdentifier().equals(p.systemIdentifier())) {
                return CheckResult.fail(h + " has system identifier " + n.systemIdentifier() + ", the primary " + p.name() + " " + p.systemIdentifier());
            }
            if (n.timeline() != null && !n.timeline().equals(p.timeline())) {
                return CheckResult.fail(h + " is on timeline " + n.timeline() + ", the primary " + p.name() + " on " + p.timeline());
            }
            if (n.role() == Role.BCP && !"true".equals(ctx.option("bcp", "false"))) {
                return CheckResult.pass(h + " (BCP, named explicitly) streams from " + p.name() + ", timeline " + n.timeline());
            }
            return CheckResult.pass(h + " (" + n.role() + ") streams from " + p.name() + ", timeline " + n.timeline()
                    + ", system " + n.systemIdentifier());
        });
    }

    /** {@code replay-running}: WAL replay is not paused on the host. */
    public static Check replayRunning() {
        return new Checks.HostCheck(Description.of("The standby's WAL replay is not paused."), "replay-running", null, Set.of(), ctx -> {
            NodeState n = ctx.node();
            if (Boolean.TRUE.equals(n.replayPaused())) {
                return CheckResult.fail(n.name() + ": WAL replay is paused at " + n.replayLsn()
                        + " (resume it with SELECT pg_wal_replay_resume() once you know why it was paused)");
            }
            if (ctx.runtime() != null) {
                try {
                    String delay = Sql.value(ctx.runtime(), ctx.host(), "SELECT current_setting('recovery_min_apply_delay')");
                    if (delay != null && !delay.equals("0")) {
                        return CheckResult.fail(n.name() + " delays replay by " + delay + " (recovery_min_apply_delay): it cannot"
                                + " replay the old primary's last WAL in time");
                    }
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(n.name() + ": cannot read recovery_min_apply_delay: " + e.getMessage());
                }
            }
            return CheckResult.pass(n.name() + ": replay running, replayed " + n.replayLsn());
        });
    }

    /** {@code wal-senders-free}: the host has WAL senders and slots for the nodes that will follow it. */
    public static Check walSendersFree() {
        return new Checks.HostCheck(Description.of("The standby has a free WAL sender slot for the others to follow it after a promotion."), "wal-senders-free", null, Set.of(), ctx -> {
            Host h = ctx.host();
            int followers = (int) ctx.cluster().hosts().stream().filter(o -> !o.name().equals(h.name())).count();
            try {
                Map<String, String> r = Sql.row(ctx.runtime(), h, null, "SELECT current_setting('max_wal_senders')::int AS senders,"
                        + " current_setting('max_replication_slots')::int AS slots,"
                        + " (SELECT count(*) FROM pg_replication_slots) AS used_slots");
                int senders = Integer.parseInt(r.get("senders"));
                int slots = Integer.parseInt(r.get("slots"));
                int used = Integer.parseInt(r.get("used_slots"));
                if (senders < followers) {
                    return CheckResult.fail(h.name() + ": max_wal_senders = " + senders + ", " + followers + " nodes will follow it");
                }
                if (slots - used < followers) {
                    return CheckResult.fail(h.name() + ": " + (slots - used) + " free replication slots of " + slots + ", "
                            + followers + " nodes will follow it");
                }
                return CheckResult.pass(h.name() + ": max_wal_senders " + senders + ", slots " + used + "/" + slots + " used, for "
                        + followers + " followers");
            } catch (SQLException | RuntimeException e) {
                return CheckResult.fail(h.name() + ": cannot read wal sender settings: " + e.getMessage());
            }
        });
    }

    /** {@code archiving-ok}: the archiver is not failing and not far behind. */
    public static Check archivingOk() {
        return new Checks.HostCheck(Description.of("WAL archiving keeps up on the primary.") .option("max_ready", "N: the most .ready WAL files allowed"), "archiving-ok", null, Set.of("max_ready"), ctx -> {
            Host h = ctx.host();
            int maxReady = Integer.parseInt(ctx.option("max_ready", "16"));
            try {
                Map<String, String> r = Sql.row(ctx.runtime(), h, null, "SELECT current_setting('archive_mode') AS mode,"
                        + " (SELECT setting FROM pg_settings WHERE name = 'archive_command') AS command,"
                        + " failed_count, last_failed_wal, coalesce(last_failed_time > coalesce(last_archived_time, 'epoch'), false) AS failing,"
                        + " (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') AS ready"
                        + " FROM pg_stat_archiver");
                if ("off".equals(r.get("mode"))) {
                    return CheckResult.pass(h.name() + ": archive_mode is off (nothing to check)");
                }
                int ready = Integer.parseInt(r.get("ready"));
                if ("t".equals(r.get("failing"))) {
                    String failing = h.name() + ": archive_command is failing (" + r.get("failed_count") + " failures, last on "
                            + r.get("last_failed_wal") + "), " + ready + " segments waiting";
                    String cause = DoctorRules.archivedSegmentCause(r.get("command"), r.get("last_failed_wal"));
                    return CheckResult.fail(cause == null ? failing + "; run the archive_command by hand as the postgres user and read"
                            + " the server log (pgrunbook logs " + h.name() + " --grep archive), or run pgrunbook doctor"
                            : failing + ": " + cause + "; fix: " + DoctorRules.archivedSegmentFix(r.get("command")));
                }
                if (ready > maxReady) {
                    return CheckResult.fail(h.name() + ": " + ready + " WAL segments wait to be archived (limit " + maxReady + ")");
                }
                return CheckResult.pass(h.name() + ": archiving works, " + ready + " segments waiting");
            } catch (SQLException | RuntimeException e) {
                return CheckResult.fail(h.name() + ": cannot read pg_stat_archiver: " + e.getMessage());
            }
        });
    }

    /** {@code rewind-ready}: wal_log_hints or data checksums, so that pg_rewind can bring the node back later. */
    public static Check rewindReady() {
        return new Checks.HostCheck(Description.of("pg_rewind can run later: data checksums or wal_log_hints."), "rewind-ready", null, Set.of(), ctx -> {
            Host h = ctx.host();
            try {
                Map<String, String> r = Sql.row(ctx.runtime(), h, null,
                        "SELECT current_setting('wal_log_hints') AS hints, current_setting('data_checksums') AS checksums");
                if ("on".equals(r.get("hints")) || "on".equals(r.get("checksums"))) {
                    return CheckResult.pass(h.name() + ": pg_rewind possible (wal_log_hints " + r.get("hints") + ", data_checksums "
                            + r.get("checksums") + ")");
                }
                return CheckResult.fail(h.name() + ": wal_log_hints and data_checksums are both off: pg_rewind could not bring it back;"
                        + " set wal_log_hints = on (restart) first");
            } catch (SQLException | RuntimeException e) {
                return CheckResult.fail(h.name() + ": cannot read wal_log_hints: " + e.getMessage());
            }
        });
    }

    /** {@code become-works}: a command reaches the host and runs as the PostgreSQL OS user. */
    public static Check becomeWorks() {
        return new Check() {
            @Override
            public String name() {
                return "become-works";
            }

            @Override
            public Description description() {
                return Description.of("The become user (sudo/su to postgres) works on the host.");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host h = ctx.host();
                try {
                    ExecResult r = ctx.runtime().transport(h).exec(RemoteCommand.of("id", "-un").as(h.become()),
                            ExecOptions.timeout(Duration.ofSeconds(15)));
                    String who = r.stdout().strip();
                    if (!r.ok()) {
                        return CheckResult.fail(h.name() + ": cannot run commands as " + h.become() + ": " + r.tail(2).replace('\n', ' '));
                    }
                    if (h.become() != null && !h.become().equals(who)) {
                        return CheckResult.fail(h.name() + ": commands run as " + who + ", not as " + h.become());
                    }
                    return CheckResult.pass(h.name() + ": commands run as " + who);
                } catch (RuntimeException e) {
                    return CheckResult.fail(e.getMessage());
                }
            }
        };
    }

    /**
     * {@code failover-candidate}: the host is a reachable standby. Shows the old primary's live state and the estimated
     * data loss: what the candidate received against the best known position of the old primary.
     */
    public static Check failoverCandidate() {
        return new Checks.HostCheck(Description.of("The host can be promoted: a standby, reachable, its lag known."), "failover-candidate", null, Set.of(), ctx -> {
            NodeState n = ctx.node();
            if (!n.role().isPhysical()) {
                return CheckResult.fail(n.name() + " is a logical REPLICA: it is never promoted");
            }
            if (n.state() != LiveState.STANDBY) {
                return CheckResult.fail(n.name() + " is " + n.state().json() + ", not a standby that can be promoted"
                        + (n.error() != null ? " (" + n.error() + ")" : ""));
            }
            List<String> facts = new ArrayList<>();
            NodeState old = primary(ctx);
            String received = n.receivedLsn() != null ? n.receivedLsn() : n.replayLsn();
            if (old != null && !old.name().equals(n.name())) {
                Long loss = Lsn.diff(old.lsn(), received);
                facts.add("the primary " + old.name() + " is still running (at " + old.lsn() + "): it will be fenced; "
                        + n.name() + " is " + Units.bytes(loss == null ? 0 : loss) + " behind it");
            } else {
                String best = null;
                String bestHost = null;
                for (NodeState o : ctx.state().hosts()) {
                    String r = o.receivedLsn() != null ? o.receivedLsn() : o.replayLsn();
                    if (o.state() == LiveState.STANDBY && r != null && (best == null || Lsn.parse(r) > Lsn.parse(best))) {
                        best = r;
                        bestHost = o.name();
                    }
                }
                ctx.state().hosts().stream().filter(o -> o.role() == Role.MASTER || o.role() == Role.SLAVE)
                        .filter(o -> !o.name().equals(n.name()) && (o.state() == LiveState.DOWN || o.state() == LiveState.UNKNOWN))
                        .forEach(o -> facts.add(o.name() + " is " + o.state().json()));
                facts.add("data loss unknown: the old primary's last position cannot be read; " + n.name() + " received " + received
                        + (bestHost != null && !bestHost.equals(n.name()) && Lsn.diff(best, received) > 0
                        ? ", but " + bestHost + " received more (" + best + ", " + Units.bytes(Lsn.diff(best, received))
                        + " ahead): consider failing over to " + bestHost : ""));
            }
            if (Boolean.TRUE.equals(n.replayPaused())) {
                facts.add("replay is paused on " + n.name() + ": it will be resumed before promotion");
            }
            return CheckResult.pass(n.name() + " can be promoted; " + String.join("; ", facts));
        });
    }
}
