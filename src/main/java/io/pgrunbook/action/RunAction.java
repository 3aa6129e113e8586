package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;
import io.pgrunbook.remote.RemoteCommand;

/** {@code run:} a shell script on the host, as {@code as} or the login user; values in it are already shell-quoted. */
public final class RunAction implements Action {
    @Override
    public String name() {
        return "run";
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
