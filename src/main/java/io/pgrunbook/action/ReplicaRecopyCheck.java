package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.decide;
import static io.pgrunbook.action.ReplicaSupport.inspect;

/**
 * {@code replica-recopy} (with: upstream, mode) on a REPLICA: when the repair will re-copy, the copy can work
 * ({@link RecopyProof}); published tables missing on the REPLICA pass, named, as the step before the TRUNCATE
 * creates them. Read-only: a refusal here is exit 3 with nothing truncated.
 */
public final class ReplicaRecopyCheck implements Check {
    @Override
    public String name() {
        return "replica-recopy";
    }

    @Override
    public Description description() {
        return Description.of("A re-copy of the REPLICA can succeed: tables, privileges, slot.")
            .option("upstream", "HOST: the publisher")
            .option("mode", "auto, resync or slot");
    }

    @Override
    public boolean needsState() {
        return false;
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream", "mode");
    }

    @Override
    public CheckResult evaluate(CheckContext ctx) {
        Host h = ctx.host();
        String up = ctx.option("upstream", "");
        Host p = ctx.cluster().host(up).orElse(null);
        if (p == null) {
            return CheckResult.fail(h.name() + ": no live primary to copy from");
        }
        try {
            Info i = inspect(ctx.runtime(), h, p);
            Repair need = decide(ctx.option("mode", "auto"), i, p);
            if (need != Repair.RESYNC) {
                return CheckResult.pass(h.name() + ": no re-copy needed (" + need.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
            }
            RecopyProof proof = RecopyProof.prove(ctx.runtime(), h, p, i);
            if (!proof.refusals().isEmpty()) {
                return CheckResult.fail(String.join("; ", proof.refusals()) + "; nothing was truncated");
            }
            return CheckResult.pass("the re-copy can work: " + proof.user() + " connects to " + p.name() + " and may SELECT the "
                    + proof.published().size() + " published tables" + (proof.missing().isEmpty() ? ", every one exists on " + h.name()
                    : "; missing on " + h.name() + ", created before the copy: " + String.join(", ", proof.missing().keySet()))
                    + "; slot " + i.subscription() + (proof.ownSlotOnPrimary() ? " is the subscription's own" : " is free") + " on " + p.name());
        } catch (SQLException | RuntimeException e) {
            return CheckResult.fail(h.name() + ": cannot prove that the re-copy can work: " + e.getMessage());
        }
    }
}
