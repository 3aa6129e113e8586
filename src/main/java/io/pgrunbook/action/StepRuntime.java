package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.Transport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Consumer;

/** What an executing action may use: the run's transports, SQL sessions, and the live output listener. */
public interface StepRuntime {
    Transport transport(Host host);

    Connection sql(Host host, String database) throws SQLException;

    Consumer<ExecOptions.OutputLine> listener();
}
