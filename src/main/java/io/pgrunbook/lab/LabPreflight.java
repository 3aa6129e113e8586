package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.remote.ExecResult;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** What lab up checks before it builds anything: free ports, and directories the servers' OS user can reach. */
final class LabPreflight {
    private final Lab lab;

    LabPreflight(Lab lab) {
        this.lab = lab;
    }

    void checkPortsFree(boolean ssh) {
        List<Integer> ports = ssh ? List.of(LabLayout.PG_PORT, LabLayout.PGBOUNCER_PORT, LabLayout.SSH_PORT)
                : List.of(LabLayout.PG_PORT, LabLayout.PGBOUNCER_PORT);
        for (LabHost h : lab.layout.hosts()) {
            for (int port : ports) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getByName(h.address()), port));
                } catch (BindException e) {
                    String msg = e.getMessage() == null ? "" : e.getMessage();
                    if (msg.contains("assign")) {
                        throw new PgrunbookException(Outcome.REFUSED, h.address() + " is not an address of this machine ("
                                + msg + ")", "on Linux every 127.x.y.z is loopback; elsewhere add an alias to lo0");
                    }
                    throw new PgrunbookException(Outcome.REFUSED, h.name() + ": " + h.address() + ":" + port
                            + " is already in use (another lab, or a server listening on all addresses)",
                            "choose another --base-address, or stop the other lab with: pgrunbook lab down --dir OTHER_DIR");
                } catch (IOException e) {
                    throw new PgrunbookException(Outcome.REFUSED, "cannot check " + h.address() + ":" + port + ": " + e.getMessage());
                }
            }
        }
    }

    /** Every existing ancestor of {@code dir} must let the servers' OS user through. */
    void checkTraversable(Path dir) {
        if (lab.osUser == null) {
            return;
        }
        try {
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(lab.osUser);
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.REFUSED, "we run as root and PostgreSQL refuses root, but there is no "
                    + lab.osUser + " OS user to run it as", "apt-get install postgresql-15 creates it (or: useradd --system " + lab.osUser + ")");
        }
        Path p = dir;
        List<Path> chain = new ArrayList<>();
        while (p != null) {
            chain.add(0, p);
            p = p.getParent();
        }
        for (Path a : chain) {
            if (!Files.exists(a)) {
                break;
            }
            try {
                PosixFileAttributes attrs = Files.readAttributes(a, PosixFileAttributes.class);
                boolean ok = attrs.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)
                        || attrs.owner().getName().equals(lab.osUser)
                        || attrs.permissions().contains(PosixFilePermission.GROUP_EXECUTE) && attrs.group().getName().equals(lab.osUser);
                if (!ok) {
                    throw new PgrunbookException(Outcome.REFUSED, "PostgreSQL runs as the " + lab.osUser + " OS user, which cannot"
                            + " reach " + dir + ": " + a + " is mode " + PosixFilePermissions.toString(attrs.permissions())
                            + " owned by " + attrs.owner().getName(), "chmod 755 " + a + " (or choose a --dir under /tmp or /srv)");
                }
            } catch (IOException e) {
                throw new PgrunbookException(Outcome.REFUSED, "cannot check " + a + ": " + e.getMessage());
            }
        }
    }

    void checkPostgresCanWrite() {
        if (lab.osUser == null) {
            return;
        }
        ExecResult r = lab.run("lab", "test", "-w", lab.layout.archiveDir().toString());
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.REFUSED, "the " + lab.osUser + " OS user cannot write " + lab.layout.archiveDir(),
                    "make " + lab.layout.dir() + " and its parents traversable (chmod 755)");
        }
    }
}
