package io.pgrunbook.remote;

import io.pgrunbook.inventory.Host;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the system ssh's messages mean, as the one-line errors the built-in transport gives. */
final class OpenSshErrors {
    private static final Pattern UNKNOWN = Pattern.compile("No (\\S+) host key is known for (\\S+) and you have requested strict checking");
    private static final Pattern CHANGED_FP = Pattern.compile("The fingerprint for the (\\S+) key sent by the remote host is\\s*\\R?\\s*(SHA256:[A-Za-z0-9+/=]+)");
    private static final Pattern OFFENDING = Pattern.compile("Offending \\S+ key in (\\S+):(\\d+)");
    /** Lines ssh itself writes when it, not the remote command, failed (exit 255). */
    private static final List<Pattern> CLIENT = List.of(
            Pattern.compile("^ssh: .*$", Pattern.MULTILINE),
            Pattern.compile("^.*Host key verification failed.*$", Pattern.MULTILINE),
            Pattern.compile("^.*Permission denied \\(.*$", Pattern.MULTILINE),
            Pattern.compile("^Connection (closed|reset|timed out) .*$", Pattern.MULTILINE),
            Pattern.compile("^.*(mux_client|Control socket|ControlSocket|control_persist|muxclient).*$", Pattern.MULTILINE),
            Pattern.compile("^kex_exchange_identification: .*$", Pattern.MULTILINE),
            Pattern.compile("^(Bad|Unsupported) .*option.*$", Pattern.MULTILINE),
            Pattern.compile("^.*line \\d+: .*$", Pattern.MULTILINE));

    private OpenSshErrors() {
    }

    /** ssh's own complaint in a command's stderr, or null when the 255 is the remote command's. */
    static String clientError(String stderr) {
        for (Pattern p : CLIENT) {
            Matcher m = p.matcher(stderr);
            if (m.find()) {
                return m.group().strip();
            }
        }
        return null;
    }

    /** The error of a failed connect: a host key problem, or the cause in ssh's words, with a hint. */
    static TransportException connectError(Host host, OpenSshOptions options, String stderr, Duration timedOut) {
        String where = options.destination() + (host.ssh().isGiven("port") ? ":" + host.ssh().port() : "");
        if (timedOut != null) {
            return new TransportException(host.name(), where + ": timed out after " + SshSupport.human(timedOut)
                    + " (ssh " + options.destination() + " did not finish connecting)");
        }
        if (stderr.contains("Host key verification failed") || UNKNOWN.matcher(stderr).find()
                || stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")) {
            return hostKey(host, options, stderr);
        }
        String s = stderr.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        String cause;
        if (lower.contains("connection refused")) {
            cause = "connection refused";
        } else if (lower.contains("connection timed out") || lower.contains("operation timed out")) {
            cause = "timed out after " + SshSupport.human(host.ssh().connectTimeout() != null ? host.ssh().connectTimeout()
                    : Duration.ofSeconds(10));
        } else if (lower.contains("permission denied")) {
            cause = "authentication failed (" + lastLine(s) + "); check the user and key for this host in the inventory"
                    + " or ~/.ssh/config (ssh -v " + options.destination() + " shows what ssh tried)";
        } else if (lower.contains("could not resolve hostname")) {
            cause = "unknown host name " + options.destination();
        } else {
            cause = s.isEmpty() ? "ssh failed without a message" : lastLine(s);
        }
        return new TransportException(host.name(), where + ": " + cause);
    }

    private static HostKeyException hostKey(Host host, OpenSshOptions options, String stderr) {
        String hostname = effective(options, "hostname");
        String port = effective(options, "port");
        String kh = host.ssh().isGiven("known_hosts") ? host.ssh().knownHosts() : firstWord(effective(options, "userknownhostsfile"));
        String addr = hostname != null ? hostname : options.destination();
        int p = port != null ? Integer.parseInt(port) : host.ssh().port();
        String at = addr + ":" + p;
        Matcher changed = CHANGED_FP.matcher(stderr);
        if (stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") && changed.find()) {
            Matcher off = OFFENDING.matcher(stderr);
            String line = off.find() ? knownLine(off.group(1), Integer.parseInt(off.group(2))) : "another key";
            return new HostKeyException(host.name(), "HOST KEY CHANGED for " + at + ": the server now presents "
                    + changed.group(1) + " " + changed.group(2) + " but " + kh + " has: " + line
                    + ". Someone may be intercepting the connection, or the server was reinstalled: check the"
                    + " fingerprint out of band before you replace the entry (ssh-keygen -R "
                    + Shell.quote(p == 22 ? addr : "[" + addr + "]:" + p) + " -f " + Shell.quote(kh) + ")");
        }
        Matcher unknown = UNKNOWN.matcher(stderr);
        String type = unknown.find() ? unknown.group(1).toLowerCase(Locale.ROOT) : null;
        String fp = type == null ? null : scannedFingerprint(addr, p, type);
        return new HostKeyException(host.name(), "unknown host key for " + at + ": "
                + (fp != null ? fp : (type != null ? type.toUpperCase(Locale.ROOT) + " key" : "its key")) + " is not in " + kh
                + ". Compare this fingerprint with the server's own (ssh-keygen -lf on its host key .pub),"
                + " then add it: ssh-keyscan -p " + p + (type != null ? " -t " + type : "") + " " + Shell.quote(addr)
                + " >> " + Shell.quote(kh));
    }

    /** Line {@code n} of a known_hosts file as it reads ("[addr]:port ssh-ed25519 AAAA..."), for the operator to compare. */
    private static String knownLine(String file, int n) {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(file));
            return n >= 1 && n <= lines.size() ? lines.get(n - 1).strip() + " (line " + n + ")" : "line " + n;
        } catch (java.io.IOException | RuntimeException e) {
            return "line " + n + " of " + file;
        }
    }

    /** "ssh-ed25519 SHA256:..." of the key the server offers now, read with ssh-keyscan; null if that fails too. */
    private static String scannedFingerprint(String addr, int port, String type) {
        OpenSshTransport.Run scan = OpenSshTransport.run(List.of("sh", "-c",
                "ssh-keyscan -T 5 -p " + port + " -t " + Shell.quote(type) + " " + Shell.quote(addr)
                        + " 2>/dev/null | ssh-keygen -lf -"), Duration.ofSeconds(8));
        // "256 SHA256:xxxx 127.0.0.1 (ED25519)"
        String[] w = scan.stdout().strip().split("\\s+");
        if (scan.code() == null || scan.code() != 0 || w.length < 2 || !w[1].startsWith("SHA256:")) {
            return null;
        }
        String t = w[w.length - 1].replaceAll("[()]", "").toLowerCase(Locale.ROOT);
        return "ssh-" + t + " " + w[1];
    }

    /** One value of {@code ssh -G} for the host (lower-case key), or null. */
    static String effective(OpenSshOptions options, String key) {
        OpenSshTransport.Run r = OpenSshTransport.run(options.effectiveConfig(), Duration.ofSeconds(5));
        if (r.code() == null || r.code() != 0) {
            return null;
        }
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith(key + " ")) {
                return line.substring(key.length() + 1).strip();
            }
        }
        return null;
    }

    private static String firstWord(String s) {
        return s == null ? "~/.ssh/known_hosts" : s.split("\\s+")[0];
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\\R");
        return lines[lines.length - 1].strip();
    }
}
