package io.pgrunbook.action;

import io.pgrunbook.barman.BackupInfo;
import io.pgrunbook.barman.BarmanCli;
import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.core.Secrets;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code rebuild.barman} (on: the target, with: backup_id, from): stop the target, move its data directory aside
 * ({@code DATA.pgrunbook-old-<timestamp>}, kept until {@code rebuild.discard-old}), make it again empty, and have
 * Barman restore the backup into it: {@code barman recover --remote-ssh-command "ssh USER@TARGET"} from the Barman
 * host, or a local restore when Barman runs on the target's machine. The target's own configuration files are put back
 * from the old directory; a restore that fails puts the old directory back. Starting it as a standby of {@code from}
 * is the next step ({@code standby.follow}).
 */
public final class BarmanRecoverAction implements Action {
    @Override
    public String name() {
        return "rebuild.barman";
    }

    @Override
    public Description description() {
        return Description.of("Restore a Barman backup (the latest, or backup_id) onto the target's data directory; the old"
                + " directory is moved aside and put back if the restore fails.")
            .option("backup_id", "ID: the backup to restore (default: latest)")
            .option("from", "HOST: the live primary the restored standby will follow")
            .changes("the target's data directory (stopped first; the old one kept aside)")
            .compensation("the old data directory is put back when the restore fails");
    }

    @Override
    public Set<String> options() {
        return Set.of("backup_id", "from");
    }

    static String backupId(StepContext ctx) {
        String id = ctx.option("backup_id", "latest");
        return id.isBlank() ? "latest" : id;
    }

    /**
     * A local restore when Barman and the target are one machine (both local transports, or one address); else the
     * restore goes over SSH from the Barman host, as Barman's {@code ssh_user}.
     */
    static String remoteSsh(BarmanSettings b, Host target) {
        boolean local = b.host().transport() == Host.TransportKind.LOCAL && target.transport() == Host.TransportKind.LOCAL
                || b.host().address().equals(target.address());
        return local ? null : "ssh " + b.sshUser() + "@" + target.address();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        BarmanSettings b = BarmanRepointAction.barman(ctx);
        String data = t.postgres().dataDir();
        return Rendered.of(
                DataDir.describeStop(t),
                "(as " + t.become() + ") mv " + data + " " + data + ".pgrunbook-old-<timestamp>   (kept until --discard-old); mkdir -m 700 " + data,
                "on barman: " + BarmanCli.recover(b, backupId(ctx), data, remoteSsh(b, t)).describe(),
                "copy back " + t.name() + "'s own configuration files (postgresql.conf, pg_hba.conf, pg_ident.conf, included files) from the old directory");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        List<String> why = DataDir.refuseLivePrimary(ctx, ctx.host());
        return why.isEmpty() ? TargetReady.precondition(ctx, RebuildCheckAction.source(ctx), "barman") : why;
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        BarmanSettings b = BarmanRepointAction.barman(ctx);
        String data = t.postgres().dataDir();
        List<String> keep = DataDir.keptConfigFiles(ctx, t);
        Result stopped = DataDir.stopIfRunning(ctx, t);
        if (!stopped.ok()) {
            return stopped;
        }
        DataDir.Aside movedAside = DataDir.moveAside(ctx, t, data, DataDir.timestamp());
        if (movedAside.failed() != null) {
            return movedAside.failed();
        }
        String old = movedAside.old();
        // made by the server's own user, so that the restore (as Barman's ssh user or locally) writes into its directory
        ExecResult mk = DataDir.quiet(ctx, t, RemoteCommand.of("mkdir", "-m", "700", "--", data));
        if (!mk.ok()) {
            return new Result(false, mk.exitCode(), mk.tail(5), t.name() + ": cannot make " + data
                    + (old != null ? BaseBackupAction.putBack(ctx, t, data, old) : ""));
        }
        ExecResult rec;
        try {
            rec = ctx.runtime().transport(b.host()).exec(BarmanCli.recover(b, backupId(ctx), data, remoteSsh(b, t)),
                    new ExecOptions(ctx.timeout(), ctx.runtime().listener()));
        } catch (RuntimeException e) {
            boolean interrupted = Thread.interrupted();
            String back = old == null ? "" : BaseBackupAction.putBack(ctx, t, data, old);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return Result.failed(t.name() + ": barman recover did not finish (" + e.getMessage() + ")" + back);
        }
        if (!rec.ok()) {
            return new Result(false, rec.exitCode(), Secrets.mask(rec.tail(Commands.TAIL)), t.name() + ": barman recover of backup "
                    + backupId(ctx) + " failed (" + rec.status() + ")" + (old != null ? BaseBackupAction.putBack(ctx, t, data, old) : ""));
        }
        if (old != null) {
            ExecResult cp = DataDir.copyFiles(ctx, t, old, data, keep);
            if (!cp.ok()) {
                return new Result(false, cp.exitCode(), cp.tail(5), t.name() + ": cannot copy its configuration files back from " + old);
            }
            DataDir.say(ctx, "kept " + t.name() + "'s own configuration: " + String.join(", ", cp.stdout().strip().split("\n")));
            DataDir.removeForeignConfig(ctx, t, data, keep, cp.stdout());
        }
        return new Result(true, rec.exitCode(), Secrets.mask(rec.tail(5)), t.name() + " restored from Barman backup " + backupId(ctx)
                + (old != null ? "; old data directory: " + old : ""));
    }

    @Override
    public Result verify(StepContext ctx) {
        String data = ctx.host().postgres().dataDir();
        return DataDir.exists(ctx, ctx.host(), data + "/global/pg_control")
                ? Result.ok(ctx.host().name() + ": " + data + " holds the restored backup")
                : Result.failed(ctx.host().name() + ": " + data + " has no global/pg_control after barman recover");
    }

    /**
     * {@code barman-backup} (on: barman, with: backup_id, from, target): the backup exists and is DONE, it is of the
     * cluster {@code from} belongs to (same system identifier), holds no tablespace (not mapped by this method yet), and
     * the Barman host reaches the target for a remote restore.
     */
    public static Check check() {
        return new Check() {
            @Override
            public String name() {
                return "barman-backup";
            }

            @Override
            public Description description() {
                return Description.of("The backup to restore is DONE, has the primary's system identifier and no tablespace, and"
                        + " Barman can reach the target.")
                    .option("backup_id", "ID: the backup (default: latest)")
                    .option("from", "HOST: the live primary")
                    .option("target", "HOST: the host to rebuild");
            }

            @Override
            public Set<String> options() {
                return Set.of("backup_id", "from", "target");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                BarmanSettings b = ctx.cluster().barman();
                if (b == null) {
                    return CheckResult.fail("cluster " + ctx.cluster().name() + " has no barman section in the inventory;"
                            + " rebuild with --method basebackup, or add barman: {host, server} (see inventory.example.yaml)");
                }
                String id = ctx.option("backup_id", "latest").isBlank() ? "latest" : ctx.option("backup_id", "latest");
                Host src = ctx.cluster().host(ctx.option("from", "")).orElse(null);
                Host target = ctx.cluster().host(ctx.option("target", "")).orElse(null);
                if (src == null || target == null) {
                    return CheckResult.fail("barman-backup needs with: {from: HOST, target: HOST}");
                }
                ExecResult r = ctx.runtime().transport(b.host()).exec(BarmanCli.showBackup(b, id),
                        ExecOptions.timeout(Duration.ofSeconds(60)));
                if (!r.ok()) {
                    return CheckResult.fail("barman: no backup '" + id + "' of server " + b.server() + ": " + r.tail(1).strip()
                            + "; list them with: barman list-backups " + b.server());
                }
                BackupInfo info = BackupInfo.parse(r.stdout());
                if (!info.done()) {
                    return CheckResult.fail("barman: backup " + info.id() + " of " + b.server() + " is " + info.status() + ", not DONE");
                }
                if (!info.tablespaces().isEmpty()) {
                    return CheckResult.fail("barman: backup " + info.id() + " holds tablespaces (" + String.join(", ", info.tablespaces())
                            + "), which rebuild --method barman does not map yet; rebuild with --method basebackup");
                }
                String sysid;
                try {
                    sysid = Sql.value(ctx.runtime(), src, "SELECT system_identifier::text FROM pg_control_system()");
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(src.name() + ": cannot read its system identifier: " + e.getMessage());
                }
                if (!sysid.equals(info.systemId())) {
                    return CheckResult.fail("barman: backup " + info.id() + " is of system " + info.systemId() + ", but " + src.name()
                            + " is system " + sysid + ": a standby restored from it could never stream from " + src.name());
                }
                String ssh = remoteSsh(b, target);
                if (ssh != null) {
                    ExecResult t = ctx.runtime().transport(b.host()).exec(RemoteCommand.of("sh", "-c", ssh + " true").as(b.user()),
                            ExecOptions.timeout(Duration.ofSeconds(30)));
                    if (!t.ok()) {
                        return CheckResult.fail("barman: '" + ssh + " true' failed as " + b.user() + " (" + t.status() + "): barman recover"
                                + " could not reach " + target.name() + "; fix the SSH key of " + b.user() + " on the Barman host or barman.ssh_user");
                    }
                }
                return CheckResult.pass("barman: backup " + info.id() + " of " + b.server() + " is DONE, of " + src.name() + "'s system "
                        + sysid + (ssh != null ? "; " + ssh + " works" : "; local restore"));
            }
        };
    }
}
