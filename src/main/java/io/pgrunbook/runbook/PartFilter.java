package io.pgrunbook.runbook;

import io.pgrunbook.action.LondisteActions;
import io.pgrunbook.action.Registry;
import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Cluster;

/**
 * Whether a runbook step is for a part the cluster lacks (Barman, Londiste, a virtual IP, pgpool): such a step is left
 * out of the plan altogether, so that a site without the part sees no step about it. It depends on the inventory
 * alone, so a resumed run numbers the steps as its first run did.
 */
final class PartFilter {
    private final Cluster cluster;
    private final Registry registry;
    private final boolean londiste;

    PartFilter(Cluster cluster, Registry registry) {
        this.cluster = cluster;
        this.registry = registry;
        this.londiste = !LondisteActions.londisteReplicas(cluster).isEmpty();
    }

    /** Whether the step is for a part this cluster does not have. */
    boolean forAbsentPart(Step s) {
        return absentPart(s, cluster) || forAbsentBarman(s, cluster) || !londiste && londisteOnly(s)
                || s.kind() == StepKind.ACTION && !registry.action(s.target()).map(a -> a.appliesTo(cluster)).orElse(true);
    }

    /** A step for the Barman host ({@code on: barman}) in a cluster without Barman. */
    static boolean forAbsentBarman(Step s, Cluster cluster) {
        return s.on() != null && s.on().source().strip().equals(BarmanSettings.HOST_NAME) && !cluster.hasBarman();
    }

    /** A step of Londiste's built-in actions and checks, or one on the {@code londiste} hosts. */
    static boolean londisteOnly(Step s) {
        String t = s.target() == null ? "" : s.target();
        boolean builtin = (s.kind() == StepKind.ACTION && (t.startsWith("londiste.") || t.startsWith("pgq.")))
                || ((s.kind() == StepKind.CHECK || s.kind() == StepKind.WAIT) && t.startsWith("londiste-"));
        return builtin || s.on() != null && s.on().source().strip().equals(Planner.LONDISTE);
    }

    /** A step whose {@code when} names only {{cluster.X}} parts and is false for this cluster. */
    static boolean absentPart(Step s, Cluster cluster) {
        if (s.when() == null || s.when().refs().isEmpty()
                || !s.when().refs().stream().allMatch(r -> r.root().equals("cluster") && r.path() != null)) {
            return false;
        }
        String rendered = s.when().render(r -> String.valueOf(Planner.clusterHas(cluster, r.path())), Quoting.NONE);
        return !Planner.truth(rendered);
    }
}
