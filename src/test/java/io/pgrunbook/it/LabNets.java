package io.pgrunbook.it;

/**
 * Every lab address of the test code, in one place: each entry owns the third octet(s) 127.0.N.x of the class that
 * starts labs there, so that labs of different classes never meet on an address, whatever order (or which JVMs)
 * they run in. LabNetsTest fails on two entries, or two classes, on one octet. With {@code PGRUNBOOK_IT_NETS} set,
 * {@link LabFixture#relocate} moves them all into that range anyway.
 */
public enum LabNets {
    LAB(9, "LabIT"),
    SHARED(10, "LabFixture"),
    SSH_TRANSPORT(20, "SshTransportIT"),
    RUNBOOK(30, "RunbookIT"),
    SMOKE(40, "SmokeIT"),
    PGBOUNCER(41, "PgBouncerIT"),
    LOGS(42, "LogsIT"),
    DOCTOR(43, "DoctorIT"),
    STATUS(50, "StatusIT"),
    FAILBACK_CRASH(60, "FailbackIT"),
    FAILBACK_FRESH(61, "FailbackIT"),
    REBUILD(62, "RebuildIT"),
    REBUILD_BENCH(69, "RebuildBench"),
    SWITCHOVER(70, "SwitchoverIT"),
    FAILOVER(71, "FailoverIT"),
    CYCLE(72, "CycleIT"),
    SWITCHOVER_SSH(73, "SwitchoverSshIT"),
    REMEDY_NORMAL(80, "RemedyIT"),
    REMEDY_FAILOVER(81, "RemedyIT"),
    REMEDY_SPLIT(82, "RemedyIT"),
    REPAIR_REBUILD(83, "RemedyIT"),
    HA_BENCH(90, "HaBench"),
    FAILOVER_BENCH(91, "HaBench"),
    SECRETS(110, "SecretsIT"),
    PAUSE_GUARD(120, "PauseGuardIT"),
    LOGIN_ENV(122, "LoginEnvIT"),
    MISTAKES(130, "MistakesIT"),
    SPLIT_BRAIN_FAILBACK(131, "SplitBrainFailbackIT"),
    REPAIR_REPLICA(140, "RepairReplicaIT"),
    TARGET_READY(141, "TargetReadyIT"),
    SWITCHOVER_CATCH_UP(150, "SwitchoverCatchUpIT"),
    PAUSED_REPLAY(151, "PausedReplayIT"),
    SIGNALS(116, "SignalsIT"),
    INTERRUPT_SWITCHOVER(160, "InterruptIT"),
    INTERRUPT_FAILOVER(161, "InterruptIT"),
    STEP_TIMEOUT(170, "StepTimeoutIT"),
    FAILOVER_FAULTS(171, "FailoverFaultsIT"),
    SSH_FAULTS(173, "SshFaultsIT"),
    DEBIAN(180, "DebianLabIT"),
    SITE_SETTINGS(190, "SiteSettingsIT"),
    /** One lab per server version found (PgVersions): 200, 201, ... */
    VERSION_MATRIX(200, 8, "VersionMatrixIT"),
    TABLESPACE(210, "TablespaceIT"),
    REBUILD_FAULTS(220, "RebuildFaultsIT"),
    QUOTED_NAMES(230, "QuotedNamesIT"),
    BARMAN(100, "BarmanIT"),
    LONDISTE(101, "LondisteIT"),
    DRILL(241, "DrillIT"),
    DEMO(242, "DemoIT"),
    VIP(102, "VipIT"),
    PGPOOL(103, "PgpoolIT"),
    SHELL(104, "ShellIT"),
    FLEET(107, "FleetIT"),
    STATUS_DIRECT(243, "StatusDirectIT"),
    OPENSSH(246, "OpenSshIT"),
    DEAD_HOST(105, "DeadHostIT");

    private final int octet;
    private final int span;
    private final String owner;

    LabNets(int octet, String owner) {
        this(octet, 1, owner);
    }

    LabNets(int octet, int span, String owner) {
        this.octet = octet;
        this.span = span;
        this.owner = owner;
    }

    /** The base address of the lab: db1 at 127.0.N.11, db2..db4 after it. */
    public String base() {
        return address(11);
    }

    /** The {@code i}-th lab of an entry that holds several (i from 0). */
    public String base(int i) {
        if (i < 0 || i >= span) {
            throw new IllegalArgumentException(this + " holds " + span + " labs, not " + (i + 1));
        }
        return "127.0." + (octet + i) + ".11";
    }

    /** Another address on this entry's octet (an sshd of its own on .1, .2). */
    public String address(int last) {
        return "127.0." + octet + "." + last;
    }

    public int octet() {
        return octet;
    }

    public int span() {
        return span;
    }

    /** The simple name of the class that starts labs there. */
    public String owner() {
        return owner;
    }
}
