package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;

/** {@code note:} text for the operator; changes nothing. */
public final class NoteAction implements Action {
    @Override
    public String name() {
        return "note";
    }

    @Override
    public Description description() {
        return Description.of("Show a note to the operator; does nothing.");
    }

    @Override
    public boolean needsHost() {
        return false;
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of("note: " + Secrets.mask(ctx.text()));
    }

    @Override
    public Result execute(StepContext ctx) {
        return Result.ok(Secrets.mask(ctx.text()));
    }
}
