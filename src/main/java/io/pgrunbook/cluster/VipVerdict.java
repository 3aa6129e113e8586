package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.vip.VipState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The virtual IP in the verdict: held by no host, by two, or by the wrong one, a cluster otherwise HEALTHY is
 * DEGRADED (the databases are fine; clients are not), with a note naming the holders and the command that moves it.
 */
public final class VipVerdict {
    private VipVerdict() {
    }

    static VipState await(CompletableFuture<VipState> f, Cluster cluster, Duration timeout) {
        try {
            return f.get(timeout.plusSeconds(15).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HostKeyException hk) {
                throw hk;
            }
            return new VipState(cluster.vip().address(), null, List.of(), List.of("the VIP probe failed: " + e.getCause().getMessage()));
        } catch (TimeoutException e) {
            f.cancel(true);
            return new VipState(cluster.vip().address(), null, List.of(), List.of("the VIP probe timed out"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new VipState(cluster.vip().address(), null, List.of(), List.of("the VIP probe was interrupted"));
        }
    }

    /** The state with {@code vip} in it, its expected holder named from the live primary, its problems in the notes. */
    public static ClusterState apply(Cluster cluster, ClusterState s, VipState vip) {
        String expected = s.primary() == null ? null
                : cluster.host(s.primary()).flatMap(p -> cluster.vip().holderFor(cluster, p)).map(Host::name).orElse(null);
        VipState v = vip.withExpected(expected);
        List<String> problems = v.problems();
        List<String> notes = new ArrayList<>(s.notes());
        notes.addAll(problems);
        if (problems.isEmpty() && !v.unchecked().isEmpty()) {
            notes.add("VIP " + v.address() + " is on " + expected + "; not checked: " + String.join("; ", v.unchecked())
                    + " (one that returns may still hold it)");
        }
        Verdict verdict = s.verdict() == Verdict.HEALTHY && !problems.isEmpty() ? Verdict.DEGRADED : s.verdict();
        return new ClusterState(s.cluster(), verdict, s.primary(), s.hosts(), List.copyOf(notes), s.probedAt(),
                s.probeMillis(), v, s.pgpools());
    }
}
