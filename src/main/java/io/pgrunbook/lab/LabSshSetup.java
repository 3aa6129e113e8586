package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** The lab's sshd (lab up --ssh) and the inventory that reaches the lab through it. */
final class LabSshSetup {
    private final Lab lab;

    LabSshSetup(Lab lab) {
        this.lab = lab;
    }

    void start() {
        String login = lab.debian != null ? LabLayout.DBA_USER : lab.osUser != null ? lab.osUser : System.getProperty("user.name");
        if (lab.debian != null) {
            if (lab.debian.ensureDbaUser()) {
                LabMarker.append(lab.layout, "dba_user_created=true");
            }
            lab.debian.writeSudoers(lab.layout.dir().resolve("sudoers.check"));
        }
        if (LocalTransport.runningAsRoot()) {
            // Debian creates postgres with a locked password ('!'); sshd refuses locked accounts even for key logins
            lab.progress.accept("ssh: changing the postgres OS account's password field to '*' (usermod -p '*' postgres; no password"
                    + " is set): sshd without PAM refuses key logins to a locked ('!') account, and the lab's hosts log in as postgres");
            ExecResult r = new LocalTransport("lab").exec(RemoteCommand.of("usermod", "-p", "*", Lab.PG_OS_USER),
                    ExecOptions.timeout(LabProcesses.CMD_TIMEOUT));
            if (!r.ok()) {
                throw new PgrunbookException(Outcome.FAILED, "usermod -p '*' postgres failed: " + LabWait.oneLine(r.tail(3)));
            }
        }
        lab.progress.accept("ssh: start sshd on port " + LabLayout.SSH_PORT + " of every lab address, login " + login);
        LabSshd sshd;
        if (lab.debian != null) {
            sshd = startDebianSshd(login);
        } else {
            sshd = LabSshd.start(lab.layout.sshDir(), lab.layout.addresses(), LabLayout.SSH_PORT, login);
        }
        String sshInventory = lab.londiste(LabInventory.render(lab.layout, lab.bin.binDir(), lab.debian != null ? Lab.PG_OS_USER : null,
                new LabInventory.Ssh(login, sshd.port(), sshd.clientKey(), sshd.knownHosts()), lab.tablespace));
        lab.write(lab.layout.sshInventory(), sshInventory, false);
        lab.write(LabOpenSsh.inventoryPath(lab.layout), LabOpenSsh.inventory(sshInventory), false);
    }

    /**
     * The Debian shape's sessions get the postgres user's password file and an ssh for rsync between hosts (as
     * postgres, with a copy of the lab's key), which sudo keeps (the drop-in's env_keep).
     */
    private LabSshd startDebianSshd(String login) {
        Path pgSsh = lab.layout.dir().resolve("ssh-postgres");
        String rsh = "ssh -p " + LabLayout.SSH_PORT + " -i " + pgSsh.resolve("id_ed25519") + " -o UserKnownHostsFile="
                + pgSsh.resolve("known_hosts") + " -o StrictHostKeyChecking=yes -o BatchMode=yes";
        LabSshd sshd = LabSshd.start(lab.layout.sshDir(), lab.layout.addresses(), LabLayout.SSH_PORT, login,
                java.util.Map.of("PGPASSFILE", lab.layout.serverPgpass().toString(), "RSYNC_RSH", rsh), List.of(Lab.PG_OS_USER));
        LabFiles.mkdir(pgSsh, Lab.PG_OS_USER);
        try {
            for (Path from : List.of(sshd.clientKey(), sshd.knownHosts())) {
                Path to = pgSsh.resolve(from.getFileName().toString());
                Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
                LabFiles.chown(to, Lab.PG_OS_USER);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot copy the lab's ssh key for postgres into " + pgSsh
                    + ": " + e.getMessage());
        }
        return sshd;
    }
}
