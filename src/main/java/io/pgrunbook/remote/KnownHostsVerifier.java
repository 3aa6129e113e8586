package io.pgrunbook.remote;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;

/** known_hosts only: what it does not vouch for is refused, and the refusal is kept to explain it. */
final class KnownHostsVerifier extends OpenSSHKnownHosts {
    volatile HostKeyFailure failure;

    KnownHostsVerifier(File file) throws IOException {
        super(file);
    }

    @Override
    public boolean verify(String hostname, int port, PublicKey key) {
        boolean ok = super.verify(hostname, port, key);
        if (!ok && failure == null) {
            failure = new HostKeyFailure(HostKeyFailure.Kind.REJECTED, key, null, getFile());
        }
        return ok;
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
        failure = new HostKeyFailure(HostKeyFailure.Kind.UNKNOWN, key, null, getFile());
        return false;
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
        KeyType type = KeyType.fromKey(key);
        String line = null;
        for (KnownHostEntry e : entries()) {
            try {
                if (e.appliesTo(type, hostname)) {
                    line = e.getLine();
                    break;
                }
            } catch (IOException ignored) {
                // an unreadable entry cannot be the one we show
            }
        }
        boolean revoked = line != null && line.startsWith("@revoked");
        failure = new HostKeyFailure(revoked ? HostKeyFailure.Kind.REVOKED : HostKeyFailure.Kind.CHANGED, key,
                line, getFile());
        return false;
    }

    record HostKeyFailure(Kind kind, PublicKey key, String knownLine, File file) {
        enum Kind { UNKNOWN, CHANGED, REVOKED, REJECTED }

        HostKeyException toException(String name, String address, int port, Path knownHosts) {
            KeyType type = KeyType.fromKey(key);
            String fp = fingerprint(key);
            String at = address + ":" + port;
            String kh = knownHosts.toString();
            return switch (kind) {
                case UNKNOWN -> new HostKeyException(name, "unknown host key for " + at + ": " + type + " " + fp
                        + " is not in " + kh + (Files.exists(knownHosts) ? "" : " (the file does not exist)")
                        + ". Compare this fingerprint with the server's own (ssh-keygen -lf on its host key .pub),"
                        + " then add it: ssh-keyscan -p " + port + " -t " + keyscanType(type) + " "
                        + Shell.quote(address) + " >> " + Shell.quote(kh));
                case CHANGED -> new HostKeyException(name, "HOST KEY CHANGED for " + at + ": the server now presents "
                        + type + " " + fp + " but " + kh + " has: " + knownLine
                        + ". Someone may be intercepting the connection, or the server was reinstalled: check the"
                        + " fingerprint out of band before you replace the entry (ssh-keygen -R "
                        + Shell.quote(port == 22 ? address : "[" + address + "]:" + port) + " -f " + Shell.quote(kh) + ")");
                case REVOKED -> new HostKeyException(name, "host key for " + at + " is REVOKED in " + kh + ": " + type
                        + " " + fp + " (" + knownLine + ")");
                case REJECTED -> new HostKeyException(name, "host key for " + at + " was rejected: " + type + " " + fp
                        + " does not verify against " + kh);
            };
        }
    }

    /** The OpenSSH fingerprint: {@code SHA256:} and the unpadded base64 of the SHA-256 of the key blob. */
    static String fingerprint(PublicKey key) {
        byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String keyscanType(KeyType type) {
        return switch (type) {
            case ED25519, ED25519_CERT -> "ed25519";
            case ECDSA256, ECDSA384, ECDSA521, ECDSA256_CERT, ECDSA384_CERT, ECDSA521_CERT -> "ecdsa";
            case RSA, RSA_CERT -> "rsa";
            case DSA, DSA_CERT -> "dsa";
            default -> type.toString();
        };
    }
}
