package io.pgrunbook.inventory;

/**
 * The cluster's Barman server (inventory {@code barman:}): the host Barman runs on, reached like the database hosts
 * (its {@code become} is the OS user barman runs as), the server's name in Barman, its configuration file (the one
 * pgrunbook rewrites after a change of primary) and Barman's main configuration ({@code barman -c}).
 * {@code sshUser} is the user of {@code barman recover --remote-ssh-command} (the server's {@code ssh_command} keeps its own).
 */
public record BarmanSettings(Host host, String server, String config, String barmanConfig, String sshUser, int keepBackups) {
    /** The name steps use for the Barman host ({@code on: barman}); no database host of a cluster with Barman may take it. */
    public static final String HOST_NAME = "barman";

    public String user() {
        return host.become();
    }
}
