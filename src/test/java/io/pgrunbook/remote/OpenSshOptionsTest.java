package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryException;
import io.pgrunbook.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenSshOptionsTest {
    private final InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba"));

    @TempDir
    Path tmp;

    private Host host(String defaults) {
        Inventory inv = loader.parse(Path.of("inv.yaml"), """
                version: 1
                defaults:
                  transport: openssh
                %s
                clusters:
                  c:
                    hosts:
                      db1: {address: db1.example, role: MASTER}
                """.formatted(defaults));
        return inv.cluster(null).host("db1").orElseThrow();
    }

    @Test
    void a_host_without_ssh_settings_passes_nothing_so_ssh_config_decides() {
        Host h = host("");
        assertEquals(Host.TransportKind.OPENSSH, h.transport());
        assertEquals(List.of(), OpenSshOptions.mapped(h.ssh()));
    }

    @Test
    void each_ssh_setting_the_inventory_writes_becomes_one_option() {
        Host h = host("""
                  ssh: {user: dba, port: 2222, identity: [~/.ssh/a, /keys/my key], known_hosts: /etc/pgrunbook/known_hosts,
                        jump: bastion@gw:2200, connect_timeout: 1500ms, keepalive: 0s, agent: none}
                """);
        assertEquals(List.of("User=dba", "Port=2222", "IdentityFile=/home/dba/.ssh/a", "IdentityFile=\"/keys/my key\"",
                "UserKnownHostsFile=/etc/pgrunbook/known_hosts", "ProxyJump=bastion@gw:2200", "ConnectTimeout=2",
                "ServerAliveInterval=0", "IdentityAgent=none"), OpenSshOptions.mapped(h.ssh()));
    }

    @Test
    void safety_options_come_first_so_ssh_config_cannot_turn_them_off() {
        Host h = host("  ssh: {port: 2222}\n");
        List<String> argv = OpenSshOptions.of(h, tmp).command("true");
        // ssh keeps the first value of an option: ours precede ~/.ssh/config, which ssh reads after the command line
        assertEquals(List.of("ssh", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ControlMaster=auto"),
                argv.subList(0, 8));
        assertTrue(argv.contains("ControlPersist=60"), argv::toString);
        assertEquals(List.of("-o", "Port=2222", "db1.example", "true"), argv.subList(argv.size() - 4, argv.size()));
        assertTrue(argv.stream().noneMatch(a -> a.contains("accept-new") || a.equals("StrictHostKeyChecking=no")));
    }

    @Test
    void control_persist_zero_closes_the_master_with_the_command() {
        Host h = host("  ssh: {control_persist: 0s}\n");
        OpenSshOptions o = OpenSshOptions.of(h, tmp);
        assertTrue(o.persist().isZero());
        assertTrue(o.command("true").contains("ControlPersist=5"));
        assertEquals(List.of("-O", "exit", "db1.example"), o.control("exit").subList(o.control("exit").size() - 3,
                o.control("exit").size()));
    }

    @Test
    void inventories_with_other_keys_or_known_hosts_never_share_a_master() {
        Host a = host("  ssh: {known_hosts: /a/known_hosts}\n");
        Host b = host("  ssh: {known_hosts: /b/known_hosts}\n");
        assertNotEquals(OpenSshOptions.of(a, tmp).controlPath(), OpenSshOptions.of(b, tmp).controlPath());
        assertEquals(OpenSshOptions.of(a, tmp).controlPath(), OpenSshOptions.of(host("  ssh: {known_hosts: /a/known_hosts}\n"), tmp)
                .controlPath());
    }

    @Test
    void a_control_socket_path_too_long_for_a_unix_socket_is_refused_with_a_hint() {
        Path deep = tmp.resolve("x".repeat(90));
        TransportException e = assertThrows(TransportException.class, () -> OpenSshOptions.of(host(""), deep));
        assertTrue(e.getMessage().startsWith("db1: ssh control socket path "), e.getMessage());
        assertTrue(e.getMessage().contains(OpenSshOptions.CONTROL_DIR_ENV), e.getMessage());
    }

    @Test
    void the_control_directory_is_made_private_and_a_shared_one_is_refused() throws Exception {
        Path dir = OpenSshOptions.controlDir(Map.of("XDG_RUNTIME_DIR", tmp.toString()), "/nonexistent");
        assertEquals(tmp.resolve("pgrunbook-ssh"), dir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpenSshOptions.controlDir(Map.of(OpenSshOptions.CONTROL_DIR_ENV, shared.toString()), "/nonexistent"));
        assertTrue(e.getMessage().contains("set " + OpenSshOptions.CONTROL_DIR_ENV + " to a directory of your own with mode 700"),
                e.getMessage());
        Path cache = tmp.resolve("home/.cache/pgrunbook/ssh");
        Files.createDirectories(cache);
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
        IllegalStateException mine = assertThrows(IllegalStateException.class,
                () -> OpenSshOptions.controlDir(Map.of(), tmp.resolve("home").toString()));
        assertTrue(mine.getMessage().contains("chmod 700 " + cache), mine.getMessage());

        Path home = OpenSshOptions.controlDir(Map.of(), tmp.toString());
        assertEquals(tmp.resolve(".cache/pgrunbook/ssh"), home);
    }

    @Test
    void an_unknown_transport_names_file_line_and_the_allowed_values() {
        InventoryException e = assertThrows(InventoryException.class, () -> loader.parse(Path.of("inv.yaml"), """
                version: 1
                clusters:
                  c:
                    hosts:
                      db1: {address: 10.0.0.1, role: MASTER, transport: open-ssh}
                """));
        assertTrue(e.getMessage().contains("inv.yaml:5"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown transport 'open-ssh'"), e.getMessage());
        assertTrue(e.getMessage().contains("ssh") && e.getMessage().contains("openssh") && e.getMessage().contains("local"),
                e.getMessage());
    }

    @Test
    void ssh_reports_of_its_own_failure_are_told_apart_from_a_command_exiting_255() {
        assertEquals("Connection closed by 10.0.0.1 port 22", OpenSshErrors.clientError("Connection closed by 10.0.0.1 port 22\n"));
        assertEquals("ssh: connect to host db1 port 22: Connection refused",
                OpenSshErrors.clientError("ssh: connect to host db1 port 22: Connection refused\r\n"));
        assertEquals(null, OpenSshErrors.clientError("pg_ctl: server does not shut down\n"));
        assertEquals(null, OpenSshErrors.clientError(""));
    }

    @Test
    void become_goes_inside_the_watcher_and_every_word_stays_quoted() {
        String line = OpenSshTransport.watchedLine(RemoteCommand.of("printf", "%s", "a b; rm -rf /").as("postgres"), true);
        assertTrue(line.startsWith("sh -c "), line);
        assertTrue(line.endsWith(" pgrunbook sudo -n -u postgres -- printf %s 'a b; rm -rf /'"), line);
    }
}
