package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBouncerReadTest {
    @TempDir
    Path dir;

    private Host host(String transport, String connect, int pgbouncerPort, String databases) {
        return host(transport, connect, pgbouncerPort, databases, "/etc/pgbouncer/pgbouncer.ini");
    }

    private Host host(String transport, String connect, int pgbouncerPort, String databases, String configFile) {
        String yaml = """
                version: 1
                defaults:
                  transport: %s
                  ssh: {user: postgres, port: 2222}
                  postgres: {port: 5432, user: postgres, database: postgres, connect: %s, connect_timeout: 1s}
                  pgbouncer: {port: %d, admin_user: pgbouncer, databases: %s}
                clusters:
                  c:
                    hosts:
                      db1: {address: 127.0.0.1, role: MASTER, pgbouncer: {config_file: %s}}
                      db2: {address: 127.0.0.2, role: SLAVE}
                """.formatted(transport, connect, pgbouncerPort, databases, configFile);
        return new InventoryLoader(Map.of("HOME", dir.toString())).parse(dir.resolve("inventory.yaml"), yaml)
                .cluster("c").host("db1").orElseThrow();
    }

    private static PgBouncerAdmin.Database db(String name, String host, boolean paused) {
        return new PgBouncerAdmin.Database(name, host, host.isEmpty() ? null : 5432, name, paused, false, 0);
    }

    @Test
    void an_ssh_host_reached_directly_and_a_local_host_without_a_guard_file_have_their_console_read_from_here() throws Exception {
        assertTrue(PgBouncerRead.fromHere(host("ssh", "direct", 6432, "[app]")));
        // through a tunnel the SSH connection is open for the SQL anyway: psql there also reads the guard
        assertFalse(PgBouncerRead.fromHere(host("ssh", "tunnel", 6432, "[app]")));
        Host local = host("local", "direct", 6432, "[app]", dir.resolve("pgbouncer.ini").toString());
        assertTrue(PgBouncerRead.fromHere(local));
        // a guard's state file (a pause in progress, or one a guard resumed): console and file read in one command
        java.nio.file.Files.writeString(java.nio.file.Path.of(io.pgrunbook.pgbouncer.PauseGuard.stateFile(local)), "state=resumed\n");
        assertFalse(PgBouncerRead.fromHere(local));
    }

    @Test
    void targets_are_the_managed_databases_with_their_paused_flag() {
        Host h = host("ssh", "direct", 6432, "[app, app2]");
        Map<String, String> t = PgBouncerRead.targets(h, List.of(db("app", "10.0.0.1", true), db("app2", "", false),
                db("other", "10.0.0.9", false), db("pgbouncer", "", false)));
        assertEquals(Map.of("app", "10.0.0.1:5432 (paused)", "app2", "(unix socket)"), t);
        assertEquals(List.of("app", "app2"), List.copyOf(t.keySet()));
    }

    @Test
    void the_guard_is_read_only_when_a_managed_database_is_paused() {
        assertFalse(PgBouncerRead.guardNeeded(Map.of()));
        assertFalse(PgBouncerRead.guardNeeded(Map.of("app", "10.0.0.1:5432", "app2", "(unix socket)")));
        assertTrue(PgBouncerRead.guardNeeded(Map.of("app", "10.0.0.1:5432", "app2", "10.0.0.2:5432 (paused)")));
    }

    /** What psql on the host prints for the guard read and SHOW DATABASES (unit separator between fields). */
    private static final String PSQL_OUT = "writable=1\n#pgrunbook-guard-end\n"
            + "name\u001fhost\u001fport\u001fdatabase\u001fpaused\u001fdisabled\u001fcurrent_connections\n"
            + "app\u001f127.0.0.1\u001f5432\u001fapp\u001f0\u001f0\u001f1\n";

    @Test
    void a_console_that_refuses_the_login_from_here_is_read_with_psql_over_the_hosts_transport() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Host h = host("ssh", "direct", closed, "[app]");
        List<RemoteCommand> ran = new CopyOnWriteArrayList<>();
        List<String> opened = new CopyOnWriteArrayList<>();
        try (Connections connections = new Connections(x -> {
            opened.add(x.name());
            return new Scripted(x.name(), ran);
        })) {
            NodeStateBuilder b = new NodeStateBuilder(h);
            PgBouncerRead.read(h, connections, b, Duration.ofSeconds(2), Map.of("HOME", dir.toString()));
            assertNull(b.pgbouncerError);
            assertEquals(Map.of("app", "127.0.0.1:5432"), b.pgbouncerTargets);
            assertEquals(List.of("db1"), opened);
            assertEquals(1, ran.size(), "one remote command: psql and the guard's file together");
            assertTrue(ran.get(0).argv().contains("SHOW DATABASES"), ran.get(0).argv()::toString);
        }
    }

    /** A transport that answers every command as psql on a healthy PgBouncer host would, and records them. */
    private record Scripted(String host, List<RemoteCommand> ran) implements Transport {
        @Override
        public ExecResult exec(RemoteCommand command, ExecOptions options) {
            ran.add(command);
            return new ExecResult(0, PSQL_OUT, "", Duration.ofMillis(1));
        }

        @Override
        public InetSocketAddress forward(String targetHost, int targetPort) {
            throw new UnsupportedOperationException("no forward in this test");
        }

        @Override
        public void close() {
        }
    }
}
