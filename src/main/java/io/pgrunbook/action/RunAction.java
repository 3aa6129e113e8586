package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;
import io.pgrunbook.remote.RemoteCommand;

/** {@code run:} a shell script on the host, as {@code as} or the login user; values in it are already shell-quoted. */
public final class RunAction implements Action {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public Description description() {
        return Description.of("Run a shell command on each host (as the step's `as:` user); its exit status decides the step.")
            .changes("whatever the command does: the plan shows it exactly");
    }

    RemoteCommand command(StepContext ctx) {
        return RemoteCommand.shell(ctx.text()).as(ctx.as()).withDisplay(Secrets.mask(ctx.text()));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of(command(ctx).describe());
    }

    @Override
    public Result execute(StepContext ctx) {
        return Commands.run(ctx, command(ctx));
    }

    @Override
    public Result verify(StepContext ctx) {
        return Result.ok("exit status 0");
    }
}
