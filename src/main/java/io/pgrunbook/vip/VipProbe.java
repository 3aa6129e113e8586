package io.pgrunbook.vip;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Vip;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Asks every host that may hold the VIP whether its interface has it, in parallel, read-only. */
public final class VipProbe {
    private VipProbe() {
    }

    /** Null when the cluster has no VIP; {@code expected} is left for the verdict, which knows the primary. */
    public static VipState probe(Cluster cluster, Connections connections, Duration timeout) {
        Vip vip = cluster.vip();
        if (vip == null) {
            return null;
        }
        List<Host> hosts = vip.candidates(cluster);
        ExecutorService pool = Executors.newFixedThreadPool(hosts.size(), r -> {
            Thread t = new Thread(r, "vip-probe");
            t.setDaemon(true);
            return t;
        });
        List<String> holders = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        try {
            List<Future<ExecResult>> futures = hosts.stream().map(h -> pool.submit(
                    () -> connections.to(h).exec(VipCommands.show(vip, h), ExecOptions.timeout(timeout)))).toList();
            long deadline = System.nanoTime() + timeout.plusSeconds(1).toNanos();
            for (int i = 0; i < hosts.size(); i++) {
                Host h = hosts.get(i);
                try {
                    ExecResult r = futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (!r.ok()) {
                        unchecked.add(h.name() + ": ip addr show dev " + vip.interfaceOf(h) + " failed (" + r.status() + ": " + r.tail(1) + ")");
                    } else if (VipCommands.holds(r.stdout(), vip)) {
                        holders.add(h.name());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof HostKeyException hk) {
                        throw hk;
                    }
                    unchecked.add(h.name() + " unreachable");
                } catch (java.util.concurrent.TimeoutException e) {
                    futures.get(i).cancel(true);
                    unchecked.add(h.name() + " did not answer in time");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    unchecked.add(h.name() + ": interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new VipState(vip.address(), null, List.copyOf(holders), List.copyOf(unchecked));
    }
}
