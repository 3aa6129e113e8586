package io.pgrunbook.runbook;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run per cluster at a time: a lock file {@code STATE/locks/CLUSTER.lock} created atomically (CREATE_NEW). It
 * protects runs started from this machine and state directory; operators on other machines are not seen.
 * A lock whose holder process is gone on this machine (kill -9, a crash) is removed without asking, and said; one
 * older than {@link #MAX_AGE}, or held from another machine, needs {@code --break-lock}. {@code resume ID} of the run
 * that holds the lock takes it over (from a lost laptop too) unless that run's process still lives here.
 */
public final class ClusterLock implements AutoCloseable {
    public static final Duration MAX_AGE = Duration.ofHours(12);
    private final Path file;
    private final String runId;

    private ClusterLock(Path file, String runId) {
        this.file = file;
        this.runId = runId;
    }

    public static ClusterLock acquire(Path stateDir, String cluster, String runbook, String runId, String user,
                                      String machine, boolean breakLock) {
        return acquire(stateDir, cluster, runbook, runId, user, machine, breakLock, null, null);
    }

    /**
     * @param resuming the run being resumed (null: none): its own lock is taken over
     * @param notice   told when a lock is removed or taken over (null: nobody)
     */
    public static ClusterLock acquire(Path stateDir, String cluster, String runbook, String runId, String user,
                                      String machine, boolean breakLock, String resuming,
                                      java.util.function.Consumer<String> notice) {
        Path dir = stateDir.resolve("locks");
        Path file = dir.resolve(cluster + ".lock");
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("user", user);
        me.put("machine", machine);
        me.put("pid", ProcessHandle.current().pid());
        me.put("since", Instant.now().toString());
        me.put("runbook", runbook);
        me.put("run_id", runId);
        try {
            Files.createDirectories(dir);
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Path tmp = Files.createTempFile(dir, cluster, ".tmp");
                    Files.writeString(tmp, Journal.JSON.writeValueAsString(me), StandardCharsets.UTF_8);
                    try {
                        // a hard link to a complete file: the lock appears whole or not at all
                        Files.createLink(file, tmp);
                    } catch (UnsupportedOperationException e) {
                        Files.copy(tmp, file);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                    return new ClusterLock(file, runId);
                } catch (FileAlreadyExistsException e) {
                    JsonNode held = holder(file);
                    String who = held == null ? "unknown (unreadable lock)" : describe(held);
                    boolean here = held != null && machine.equals(held.path("machine").asText());
                    boolean gone = here && !alive(held);
                    if (held != null && resuming != null && resuming.equals(held.path("run_id").asText())) {
                        if (here && !gone) {
                            throw new PgrunbookException(Outcome.REFUSED, "run " + resuming + " is still running here (pid "
                                    + held.path("pid").asText() + ")", "wait for it to end, or stop it (Ctrl-C, kill "
                                    + held.path("pid").asText() + ") and resume again");
                        }
                        tell(notice, "taking over the lock of run " + resuming + " (" + who + ")");
                        Files.deleteIfExists(file);
                        continue;
                    }
                    if (gone) {
                        tell(notice, "removed a stale lock: its run's process is gone (" + who + ")");
                        Files.deleteIfExists(file);
                        continue;
                    }
                    boolean stale = held == null || stale(held, machine);
                    if (!stale) {
                        throw new PgrunbookException(Outcome.REFUSED, "cluster " + cluster + " is locked by a run under way: " + who,
                                "wait for it to end, or ask its owner; lock file " + file);
                    }
                    if (!breakLock) {
                        throw new PgrunbookException(Outcome.REFUSED, "cluster " + cluster + " has a stale lock: " + who,
                                "if that run is really gone, run again with --break-lock");
                    }
                    Files.deleteIfExists(file);
                }
            }
            throw new PgrunbookException(Outcome.REFUSED, "cluster " + cluster + ": another run took the lock just now");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock cluster " + cluster + " under " + dir, e);
        }
    }

    private static void tell(java.util.function.Consumer<String> notice, String what) {
        if (notice != null) {
            notice.accept(what);
        }
    }

    private static boolean alive(JsonNode h) {
        return ProcessHandle.of(h.path("pid").asLong()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Takes the lock for a run (a refusal is no escalation: nothing was changed, the holder is named). */
    static ClusterLock acquireOrExplain(RunbookEngine.Env env, io.pgrunbook.inventory.Cluster cluster, String runbook,
                                        String runId, boolean breakLock, String resuming) {
        return acquire(env.stateDir(), key(cluster), runbook, runId, env.user(), env.machine(), breakLock, resuming,
                m -> {
                    env.err().println("note: " + m);
                    env.err().flush();
                });
    }

    /**
     * The lock's name: the cluster's name and a digest of its hosts' addresses and ports, so that two clusters that
     * share a name (two labs, "prod" in two inventories) do not lock each other out, while two inventories that describe
     * the same servers do.
     */
    static String key(io.pgrunbook.inventory.Cluster cluster) {
        String servers = cluster.hosts().stream().map(h -> h.address() + ":" + h.postgres().port()).sorted()
                .collect(java.util.stream.Collectors.joining(","));
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(servers.getBytes(StandardCharsets.UTF_8));
            return cluster.name() + "-" + java.util.HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode holder(Path file) {
        try {
            return Journal.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    static String describe(JsonNode h) {
        return h.path("user").asText() + "@" + h.path("machine").asText() + ", pid " + h.path("pid").asText() + ", since "
                + h.path("since").asText() + ", runbook " + h.path("runbook").asText() + ", run " + h.path("run_id").asText();
    }

    static boolean stale(JsonNode h, String machine) {
        try {
            if (Instant.parse(h.path("since").asText()).plus(MAX_AGE).isBefore(Instant.now())) {
                return true;
            }
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
        if (machine.equals(h.path("machine").asText())) {
            return ProcessHandle.of(h.path("pid").asLong()).map(p -> !p.isAlive()).orElse(true);
        }
        return false;
    }

    /** Releases the lock if it is still ours. */
    @Override
    public synchronized void close() {
        JsonNode h = holder(file);
        if (h != null && runId.equals(h.path("run_id").asText())) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a lock left behind is stale once this pid is gone
            }
        }
    }
}
