package io.pgrunbook.cli;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportFactory;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.function.Function;

/**
 * What a command needs from its surroundings, built by {@link Cli} for main and by tests: environment variables,
 * the working directory, how transports are opened. No global static state.
 */
public record CliContext(Map<String, String> env, Path workDir, Function<Host, Transport> transports,
                         boolean interactive) {

    public static CliContext system() {
        return new CliContext(System.getenv(), Paths.get("").toAbsolutePath(), TransportFactory::open,
                System.console() != null);
    }

    public String env(String name) {
        return env.get(name);
    }

    public Connections connections() {
        return new Connections(transports);
    }

    /** {@code $XDG_STATE_HOME/pgrunbook}, default {@code ~/.local/state/pgrunbook}. */
    public Path stateDir() {
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg)
                : Paths.get(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
        return base.resolve("pgrunbook");
    }
}
