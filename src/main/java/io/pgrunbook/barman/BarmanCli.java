package io.pgrunbook.barman;

import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.remote.RemoteCommand;

import java.util.ArrayList;
import java.util.List;

/** Barman's command lines for one cluster's server, run on the Barman host as its user with its main configuration. */
public final class BarmanCli {
    /** The application_name Barman's receive-wal (pg_receivewal) has on the primary, in pg_stat_replication. */
    public static final String RECEIVE_WAL_APP = "barman_receive_wal";

    private BarmanCli() {
    }

    /** {@code barman -c CONFIG SUBCOMMAND [ARGS...] SERVER}, as the Barman user. */
    public static RemoteCommand command(BarmanSettings b, String... subcommandAndArgs) {
        List<String> argv = new ArrayList<>(List.of("barman", "-c", b.barmanConfig()));
        argv.addAll(List.of(subcommandAndArgs));
        argv.add(b.server());
        return RemoteCommand.of(argv).as(b.user());
    }

    /** {@code barman show-backup SERVER ID}: one backup's description (id {@code latest} names the newest). */
    public static RemoteCommand showBackup(BarmanSettings b, String backupId) {
        return RemoteCommand.of("barman", "-c", b.barmanConfig(), "show-backup", b.server(), backupId).as(b.user());
    }

    /** {@code barman cron}: starts the receive-wal processes that should run (and archives what arrived); no server. */
    public static RemoteCommand cron(BarmanSettings b) {
        return RemoteCommand.of("barman", "-c", b.barmanConfig(), "cron").as(b.user());
    }

    public static RemoteCommand check(BarmanSettings b) {
        return command(b, "check");
    }

    /** {@code barman recover}; {@code remoteSsh} null: a local restore on the Barman host. */
    public static RemoteCommand recover(BarmanSettings b, String backupId, String destination, String remoteSsh) {
        List<String> argv = new ArrayList<>(List.of("barman", "-c", b.barmanConfig(), "recover"));
        if (remoteSsh != null) {
            argv.addAll(List.of("--remote-ssh-command", remoteSsh));
        }
        argv.addAll(List.of(b.server(), backupId, destination));
        return RemoteCommand.of(argv).as(b.user());
    }

    /** The failed lines of {@code barman check}'s output ("WAL archive: FAILED (...)"); empty when every check passed. */
    public static List<String> failedChecks(String output) {
        List<String> out = new ArrayList<>();
        for (String line : output.split("\n")) {
            String l = line.strip();
            if (l.contains(": FAILED")) {
                out.add(l);
            }
        }
        return out;
    }
}
