package io.pgrunbook.runbook;

import io.pgrunbook.action.Check;
import io.pgrunbook.action.CheckContext;
import io.pgrunbook.action.CheckResult;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.StepRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreflightTest {
    @TempDir
    Path dir;

    /** Passes only when the checks on db1, db2 and db3 are all in flight at once; counts overlaps on one host. */
    static final class Meet implements Check {
        final CountDownLatch all = new CountDownLatch(3);
        final Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();
        final AtomicInteger overlaps = new AtomicInteger();

        @Override
        public String name() {
            return "test.meet";
        }

        @Override
        public boolean needsState() {
            return false;
        }

        @Override
        public java.util.Set<String> options() {
            return java.util.Set.of("n");
        }

        @Override
        public CheckResult evaluate(CheckContext ctx) {
            String h = ctx.host().name();
            if (busy.computeIfAbsent(h, k -> new AtomicInteger()).incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                if ("first".equals(ctx.with().get("n"))) {
                    all.countDown();
                    if (!all.await(10, TimeUnit.SECONDS)) {
                        return CheckResult.fail(h + ": the other hosts' checks never ran beside this one");
                    }
                }
                return CheckResult.pass(h + " " + ctx.with().get("n"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CheckResult.fail("interrupted");
            } finally {
                busy.get(h).decrementAndGet();
            }
        }
    }

    @Test
    void checks_of_different_hosts_run_at_once_one_at_a_time_per_host_and_are_reported_in_plan_order() {
        Meet meet = new Meet();
        Registry registry = Registry.builtins().add(meet);
        Runbook rb = new RunbookLoader(registry).parse("preflight.yaml", """
                name: preflight
                preflight:
                  - check: test.meet
                    on: "db1, db2, db3"
                    with: {n: first}
                  - check: test.meet
                    on: "db3, db1"
                    with: {n: second}
                steps:
                  - name: nothing
                    note: nothing
                """);
        var inv = Fixtures.inventory(dir);
        Plan plan = new Planner(registry).plan(rb, inv.cluster("lab"), Fixtures.state("db1"), Map.of());
        List<RunResult.CheckOutcome> out = Preflight.preflight(plan, inv.cluster("lab"), plan.state(), registry,
                StepRuntime.of(h -> null, null, null));
        assertEquals(List.of("db1 first", "db2 first", "db3 first", "db3 second", "db1 second"),
                out.stream().map(RunResult.CheckOutcome::reason).toList());
        assertTrue(out.stream().allMatch(RunResult.CheckOutcome::pass));
        assertEquals(0, meet.overlaps.get(), "two checks of one host ran at the same time");
    }
}
