package io.pgrunbook.action;

import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;

import java.util.Locale;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.settings;
import static io.pgrunbook.action.LondisteActions.shell;
import static io.pgrunbook.action.LondisteActions.state;

/** {@code londiste.worker} (with: op start|stop) on a Londiste REPLICA: its worker, as the inventory says. */
public final class LondisteWorkerAction implements Action {
    @Override
    public String name() {
        return "londiste.worker";
    }

    @Override
    public Description description() {
        return Description.of("Start, stop or restart the Londiste worker of a Londiste REPLICA (the site's commands, or"
                + " londiste INI worker -d / -s).")
            .option("op", "start (default), stop or restart")
            .changes("the Londiste worker process on the REPLICA");
    }

    @Override
    public Set<String> options() {
        return Set.of("op");
    }

    private String op(StepContext ctx) {
        String op = ctx.option("op", "start").toLowerCase(Locale.ROOT);
        if (!Set.of("start", "stop", "restart").contains(op)) {
            throw new IllegalArgumentException("londiste.worker: op '" + op + "' is not start, stop or restart");
        }
        return op;
    }

    private String script(StepContext ctx) {
        LondisteSettings l = settings(ctx.host());
        return switch (op(ctx)) {
            case "start" -> LondisteCommands.workerStart(l);
            case "stop" -> LondisteCommands.workerStop(l);
            default -> LondisteCommands.workerRestart(l);
        };
    }

    @Override
    public Rendered describe(StepContext ctx) {
        LondisteSettings l = settings(ctx.host());
        return Rendered.of("on " + ctx.host().name() + ": " + op(ctx) + " the Londiste worker of " + l.ini()
                + (l.defaultWorker() ? " (londiste INI worker " + (op(ctx).equals("stop") ? "-s" : "-d") + ")" : ": " + script(ctx)));
    }

    @Override
    public Result execute(StepContext ctx) {
        LondisteSettings l = settings(ctx.host());
        if (op(ctx).equals("start") && LondisteCommands.RUNNING.equals(state(ctx, ctx.host(), l))) {
            return Result.ok(ctx.host().name() + ": the Londiste worker already runs");
        }
        return Commands.run(ctx, shell(ctx.host(), script(ctx)));
    }

    @Override
    public Result verify(StepContext ctx) {
        String want = op(ctx).equals("stop") ? LondisteCommands.STOPPED : LondisteCommands.RUNNING;
        String st = state(ctx, ctx.host(), settings(ctx.host()));
        return st.equals(want) || st.equals("unknown") ? Result.ok(ctx.host().name() + ": the Londiste worker is " + st)
                : Result.failed(ctx.host().name() + ": the Londiste worker is " + st + ", not " + want);
    }
}
