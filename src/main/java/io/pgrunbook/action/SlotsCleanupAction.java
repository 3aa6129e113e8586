package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.Quote;
import io.pgrunbook.pg.StandbyConfig;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code slots.cleanup} (with: primary): after a change of primary, drops the replication slots that now belong to
 * nobody, so they do not hold WAL until the disk fills. On the primary a physical slot named after another physical
 * host is kept; on any other node it is kept only for a host whose inventory upstream is that node. A logical slot of a
 * REPLICA's subscription is kept on the primary only. Active slots and slots that are not ours (not named after a host
 * or a subscription) are never dropped; they are listed.
 */
public final class SlotsCleanupAction implements Action {
    @Override
    public String name() {
        return "slots.cleanup";
    }

    @Override
    public Description description() {
        return Description.of("Drop physical replication slots on the new primary that no standby uses any more.")
            .option("primary", "HOST: the new primary")
            .changes("drops unused physical slots");
    }

    @Override
    public boolean parallel() {
        return true;
    }

    @Override
    public Set<String> options() {
        return Set.of("primary");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of("on " + ctx.host().name() + ": SELECT pg_drop_replication_slot(name) for each inactive slot of ours that "
                + (ctx.host().name().equals(ctx.option("primary", "")) ? "no standby of this primary uses" : "now belongs on the primary"));
    }

    @Override
    public Result execute(StepContext ctx) {
        Host x = ctx.host();
        String primary = ctx.option("primary", null);
        if (primary == null) {
            return Result.failed("slots.cleanup needs with: {primary: HOST}");
        }
        List<String> dropped = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        try {
            for (Map<String, String> s : Sql.rows(ctx.runtime(), x, null,
                    "SELECT slot_name, slot_type, active FROM pg_replication_slots ORDER BY slot_name")) {
                String name = s.get("slot_name");
                boolean active = "t".equals(s.get("active"));
                String verdict = verdict(ctx, x, primary, name, s.get("slot_type"));
                if (verdict == null) {
                    kept.add(name + (active ? " (active)" : ""));
                } else if (active) {
                    kept.add(name + " (active, although " + verdict + ")");
                } else {
                    Sql.execute(ctx.runtime(), x, null, "SELECT pg_drop_replication_slot(" + Quote.literal(name) + ")");
                    dropped.add(name + " (" + verdict + ")");
                }
            }
        } catch (SQLException | RuntimeException e) {
            return Result.failed(x.name() + ": " + e.getMessage());
        }
        return Result.ok(x.name() + ": dropped " + (dropped.isEmpty() ? "none" : String.join(", ", dropped))
                + "; kept " + (kept.isEmpty() ? "none" : String.join(", ", kept)));
    }

    /** Why the slot should go, or null to keep it. */
    static String verdict(StepContext ctx, Host x, String primary, String slot, String type) {
        boolean onPrimary = x.name().equals(primary);
        if ("logical".equals(type)) {
            boolean ours = ctx.cluster().withRole(Role.REPLICA).stream().anyMatch(r -> slot.equals(r.replication().subscription()));
            return ours && !onPrimary ? "the subscription reads from the primary " + primary : null;
        }
        for (Host h : ctx.cluster().hosts()) {
            if (!h.role().isPhysical() || !StandbyConfig.slotName(h).equals(slot)) {
                continue;
            }
            String upstream = h.replication().upstream() != null ? h.replication().upstream() : primary;
            if (h.name().equals(primary)) {
                return h.name() + " is the primary";
            }
            if (h.name().equals(x.name())) {
                return "a node's own slot";
            }
            return upstream.equals(x.name()) ? null : h.name() + " streams from " + upstream;
        }
        return null;
    }
}
