package io.pgrunbook.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Passwords where libpq finds them: {@code PGPASSWORD}, then the password file ({@code PGPASSFILE}, default
 * {@code ~/.pgpass}), matched on the real server's host and port even when we connect through a tunnel. Like libpq,
 * a password file readable by group or others is ignored.
 */
public final class PgPass {
    private PgPass() {
    }

    public static String lookup(Map<String, String> env, String host, int port, String database, String user) {
        String pw = env.get("PGPASSWORD");
        if (pw != null && !pw.isEmpty()) {
            return pw;
        }
        String file = env.get("PGPASSFILE");
        Path path = file != null && !file.isBlank() ? Path.of(file)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".pgpass");
        if (!Files.isRegularFile(path)) {
            return null;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                org.slf4j.LoggerFactory.getLogger(PgPass.class).warn(
                        "password file {} has group or world access; ignored (chmod 0600 it)", path);
                return null;
            }
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: read it as libpq does on Windows
        }
        try {
            for (String line : Files.readAllLines(path)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> f = fields(line);
                if (f.size() < 5) {
                    continue;
                }
                if (match(f.get(0), host) && match(f.get(1), String.valueOf(port)) && match(f.get(2), database)
                        && match(f.get(3), user)) {
                    return f.get(4);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static boolean match(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    /** Splits on unescaped ':'; {@code \:} and {@code \\} are literal. The fifth field takes the rest of the line. */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
