package io.pgrunbook.doctor;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;
import io.pgrunbook.remote.Transport;

import java.time.Duration;
import java.util.List;

/**
 * What a switchover or failover will need of Londiste, checked before it is needed: on the REPLICA the londiste
 * command and its ini (naming the inventory's queue); on every physical host, which may become the primary, pgqd and
 * its ini. Nothing for a cluster without a Londiste REPLICA.
 */
final class LondisteDoctor {
    private static final ExecOptions QUICK = ExecOptions.timeout(Duration.ofSeconds(20));

    private LondisteDoctor() {
    }

    static void host(Cluster cluster, Host h, Transport t, List<Finding> out) {
        List<Host> replicas = cluster.londisteReplicas();
        if (replicas.isEmpty()) {
            return;
        }
        String who = h.become() == null ? "the login user" : h.become();
        if (replicas.contains(h)) {
            LondisteSettings l = h.replication().londiste();
            String ini = Shell.quote(l.ini());
            ExecResult r = t.exec(RemoteCommand.shell("[ -r " + ini + " ] || { echo unreadable; exit 0; }; "
                    + "sed -n 's/^[[:space:]]*queue_name[[:space:]]*=[[:space:]]*//p' " + ini + " | tail -n 1").as(h.become()), QUICK);
            String q = r.ok() ? r.stdout().strip() : "";
            if (q.equals("unreadable") || !r.ok()) {
                out.add(Finding.fail(h.name(), "londiste ini", l.ini() + " is missing (or not readable by " + who + ")",
                        "fix replication.ini in the inventory or on the host"));
            } else if (!q.equals(l.queue())) {
                out.add(Finding.fail(h.name(), "londiste ini", l.ini() + " names queue '" + q + "', the inventory '" + l.queue() + "'",
                        "make replication.queue the ini's queue_name"));
            } else {
                out.add(Finding.pass(h.name(), "londiste ini", l.ini() + ", queue " + q));
            }
            if (l.defaultWorker()) {
                command(t, h, out, "londiste", "apt-get install python3-londiste, or give replication.worker: {start, stop}");
            }
            return;
        }
        if (!h.role().isPhysical()) {
            return;
        }
        LondisteSettings l = replicas.get(0).replication().londiste();
        if (l.tickerIni() != null) {
            String ini = l.tickerIni(h.name());
            ExecResult r = t.exec(RemoteCommand.of("test", "-r", ini).as(h.become()), QUICK);
            out.add(r.ok() ? Finding.pass(h.name(), "pgqd ini", ini)
                    : Finding.fail(h.name(), "pgqd ini", ini + " is missing (or not readable by " + who + "): the ticker cannot start here"
                    + " when " + h.name() + " becomes the primary", "write it on the host, or fix replication.ticker.ini"));
        }
        if (l.tickerStart() == null) {
            command(t, h, out, "pgqd", "apt-get install pgqd, or give replication.ticker: {start, stop}");
        }
    }

    private static void command(Transport t, Host h, List<Finding> out, String cmd, String hint) {
        ExecResult r = t.exec(RemoteCommand.shell("command -v " + cmd).as(h.become()), QUICK);
        out.add(r.ok() ? Finding.pass(h.name(), cmd, r.stdout().strip()) : Finding.fail(h.name(), cmd, cmd + " is not on the PATH", hint));
    }
}
