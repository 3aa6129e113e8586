package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.remote.Connections;

/** After a resumed run ends ok: the cluster now and the next command (a resume is no less a procedure than its run). */
final class ResumeEnding {
    private ResumeEnding() {
    }

    static void print(EngineCommand cmd, Connections connections) {
        ClusterState state = new ClusterProbe(connections, cmd.context().env()).probe(cmd.cluster());
        cmd.out().print(StatusView.table(state, cmd.ansi()));
        String next = NextCommand.forState(state);
        cmd.out().println(next != null ? NextCommand.of(cmd).line(next) : "next: nothing to do (HEALTHY); the record: "
                + NextCommand.of(cmd).command("history"));
        cmd.out().flush();
    }
}
