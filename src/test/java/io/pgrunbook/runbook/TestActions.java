package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Hazard;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Rendered;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Actions for the executor's own tests: each appends what it did to the file {@code with: {log: FILE}}, so a test reads
 * what ran, in order, without a server. {@code test.open} opens a hazard undone by {@code test.undo}; {@code test.stop}
 * one of kind postgres.stopped; {@code test.promote} disarms that kind and fails; {@code test.gate} is a safety gate.
 */
final class TestActions {
    private TestActions() {
    }

    static Registry registry() {
        return Registry.builtins()
                .add(new Logging("test.open", Hazard.PGBOUNCER_PAUSED, true, false, false))
                .add(new Logging("test.stop", Hazard.POSTGRES_STOPPED, true, false, false))
                .add(new Logging("test.close", Hazard.PGBOUNCER_PAUSED, true, false, false) {
                    @Override
                    public Set<String> closes(StepContext ctx) {
                        return Set.of(Hazard.PGBOUNCER_PAUSED);
                    }

                    @Override
                    Hazard opens(StepContext ctx) {
                        return null;
                    }
                })
                .add(new Logging("test.undo", null, true, false, false))
                .add(new Logging("test.fail", null, false, false, false))
                .add(new Logging("test.gate", null, true, true, false))
                .add(new Logging("test.promote", null, false, false, true));
    }

    static void log(StepContext ctx, String what) {
        try {
            Files.writeString(Path.of(ctx.option("log", "")), what + " " + ctx.host().name() + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static class Logging implements Action {
        private final String name;
        private final String kind;
        private final boolean ok;
        private final boolean gate;
        private final boolean disarms;

        Logging(String name, String kind, boolean ok, boolean gate, boolean disarms) {
            this.name = name;
            this.kind = kind;
            this.ok = ok;
            this.gate = gate;
            this.disarms = disarms;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<String> options() {
            return Set.of("log");
        }

        @Override
        public boolean gate() {
            return gate;
        }

        @Override
        public Set<String> disarms() {
            return disarms ? Set.of(Hazard.POSTGRES_STOPPED) : Set.of();
        }

        @Override
        public Rendered describe(StepContext ctx) {
            return Rendered.of(name + " on " + ctx.host().name());
        }

        Hazard opens(StepContext ctx) {
            return kind == null ? null : new Hazard(kind, ctx.host().name(), name + " hazard on " + ctx.host().name(), "test.undo",
                    Map.of("log", ctx.option("log", "")), 0, Instant.now());
        }

        @Override
        public Result execute(StepContext ctx) {
            log(ctx, name.substring("test.".length()));
            if (!ok) {
                return Result.failed(name + " failed on purpose");
            }
            Hazard h = opens(ctx);
            Result r = Result.ok(name + " done");
            return h == null ? r : r.opening(h);
        }
    }
}
