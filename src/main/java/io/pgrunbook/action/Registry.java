package io.pgrunbook.action;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Actions and checks by name. Adding one is one line in {@link #builtins()}. */
public final class Registry {
    private final Map<String, Action> actions = new TreeMap<>();
    private final Map<String, Check> checks = new TreeMap<>();

    public static Registry builtins() {
        return new Registry()
                .add(new RunAction())
                .add(new SqlAction())
                .add(new NoteAction())
                .add(new PostgresAction(PostgresAction.Op.START))
                .add(new PostgresAction(PostgresAction.Op.STOP))
                .add(new PostgresAction(PostgresAction.Op.RESTART))
                .add(new PostgresAction(PostgresAction.Op.RELOAD))
                .add(new FileWriteAction())
                .add(new StandbyFollowAction())
                .add(new PromoteAction())
                .add(new CatchUpAction())
                .add(new CatchUpPeersAction())
                .add(new FenceAction())
                .add(new SlotsCleanupAction())
                .add(LogicalActions.waitConfirmed())
                .add(LogicalActions.follow())
                .add(LogicalActions.slot())
                .add(PgBouncerActions.pauseOrResume(true))
                .add(PgBouncerActions.pauseOrResume(false))
                .add(PgBouncerActions.point())
                .add(new PgBouncerStartAction())
                .add(new VipMoveAction())
                .add(new PointReadonlyAction())
                .add(new PgpoolDetachAction())
                .add(new PgpoolPromoteAction())
                .add(new PgpoolAttachAction())
                .add(new RebuildCheckAction())
                .add(new BaseBackupAction())
                .add(new RsyncRebuildAction())
                .add(new DiscardOldAction())
                .add(new RewindReportAction())
                .add(new RewindAction())
                .add(new ReplicaShowAction())
                .add(new ReplicaRepointAction())
                .add(new ReplicaCreateTablesAction())
                .add(new ReplicaTruncateAction())
                .add(new ReplicaResubscribeAction())
                .add(new ReplicaEnableAction())
                .add(new BarmanRepointAction())
                .add(new BarmanRecoverAction())
                .add(new PgqTickerAction())
                .add(new LondisteWorkerAction())
                .add(new LondisteRepointAction())
                .add(new LondisteFedCheck())
                .add(new LondisteResyncAction())
                .add(new LondisteResyncCheck())
                .add(Checks.onePrimary())
                .add(Checks.reachable())
                .add(Checks.streaming())
                .add(Checks.lagBelow())
                .add(Checks.isPrimary())
                .add(Checks.isStandby())
                .add(Checks.isDown())
                .add(HaChecks.standbyOfPrimary())
                .add(HaChecks.replayRunning())
                .add(HaChecks.walSendersFree())
                .add(HaChecks.archivingOk())
                .add(HaChecks.rewindReady())
                .add(HaChecks.becomeWorks())
                .add(PgBouncerChecks.consoles())
                .add(PgBouncerChecks.target())
                .add(HaChecks.failoverCandidate())
                .add(GuardChecks.fenceTarget())
                .add(GuardChecks.noHealthyPrimary())
                .add(GuardChecks.replicaFeed())
                .add(GuardChecks.failbackTarget())
                .add(LogicalActions.streaming())
                .add(RebuildGuards.targetCheck())
                .add(RebuildGuards.sourceCheck())
                .add(RebuildGuards.isLogical())
                .add(new ReplicaRecopyCheck())
                .add(TargetReady.check())
                .add(BarmanRecoverAction.check())
                .add(VipMoveAction.configured());
    }

    public Registry add(Action a) {
        actions.put(a.name(), a);
        return this;
    }

    public Registry add(Check c) {
        checks.put(c.name(), c);
        return this;
    }

    public Optional<Action> action(String name) {
        return Optional.ofNullable(actions.get(name));
    }

    public Optional<Check> check(String name) {
        return Optional.ofNullable(checks.get(name));
    }

    public java.util.Set<String> actionNames() {
        return actions.keySet();
    }

    public java.util.Set<String> checkNames() {
        return checks.keySet();
    }
}
