package org.icbd.rcs.planner.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.planner.plan.Conflict;
import org.icbd.rcs.planner.plan.ImageHistory;
import org.icbd.rcs.planner.plan.MasterVersion;
import org.icbd.rcs.planner.plan.Plan;
import org.icbd.rcs.planner.plan.PlanResult;
import org.icbd.rcs.planner.plan.Planner;
import org.icbd.rcs.planner.plan.ReplicaHolding;
import org.icbd.rcs.planner.plan.ReplicaHoldings;
import org.icbd.rcs.planner.plan.Routing;
import org.icbd.rcs.planner.plan.Step;
import org.icbd.rcs.topic.PairKey;

/**
 * What the planner decides for one subscribed (replica, image) pair, given everything it knows of
 * the pair: whether to issue a task, the pair's task ledger afterwards, and its status. Pure: the
 * processor loads the facts, calls {@link #of}, and stores and emits the result.
 *
 * <h2>Tasks</h2>
 * A task is issued iff {@link Planner#plan} gives a non-empty plan and either
 * <ul>
 *   <li>the outstanding task does not {@link TaskLedger.Outstanding#carries carry} it: there is
 *       none, or its steps or {@code expectHave} differ (a replica working through a multi-step
 *       task reports after each step, leaving a tail of that task as the plan: that is progress,
 *       not a new plan); or</li>
 *   <li>on a wall-clock sweep, the outstanding task made no progress for the stall deadline and
 *       the replica is online (a task re-issued to a silent replica would only queue up).</li>
 * </ul>
 * The task asks for the plan's steps (its first {@link InputLimits#maxStepsPerTask} when there are
 * more: the rest follows in the next task, once the replica reports), {@code expectHave} = the versions the replica reported, and
 * the compression the replica announced in its registration, else the configured one. A change of
 * that preference alone issues nothing: the outstanding task keeps its codec and the next one
 * asks for the new. Its id is {@code <replica>/<image>/<n>}: {@code n} counts the pair's
 * tasks, and slashes (which names cannot contain) keep ids of different pairs apart.
 * An empty plan or a conflict settles the ledger: nothing is outstanding.
 *
 * <h2>Sources</h2>
 * Each step of a task names where it is pulled from, as {@link Routing#route} decides over the
 * image's other subscribers ({@link SitePeers}); a step from the master names none (absent reads as
 * the master). Routing never issues a task by itself: whether the outstanding task carries the plan
 * is judged on the steps without their sources, so a peer that comes to hold a version changes no
 * task already issued. Two exceptions, both needing a task anyway: when the replica's last step of
 * the outstanding task failed while pulled from a peer, the task is issued again with that step from
 * the master and nothing from that peer (the failed report is the pair's memory of it, until the
 * next step's report replaces it); and when {@link Routing#awaited} names a peer of the site that is
 * fetching a step now, the task carries only the steps before it ({@link Routing#issuable}: a partial
 * task, which carries the plan it begins), none when it is the first: the pair is reviewed again when
 * that peer's holdings, liveness or last step change, and then gets the step from it.
 *
 * <h2>Status, first match wins</h2>
 * <ol>
 *   <li>OFFLINE: the replica's partition's liveness clock ran more than offline-after past its
 *       last heartbeat ({@link SubscriptionEntry#offline()}; the rest of the status is the
 *       replica's last report);</li>
 *   <li>FAILED: the planner found a {@link Conflict}; {@code lastError} is its
 *       {@link Conflict#describe() description}, and no task is issued;</li>
 *   <li>IN_SYNC: nothing to send (the replica holds the newest live version, or none is live);</li>
 *   <li>TRANSFERRING: the replica reports a transfer in flight;</li>
 *   <li>FAILED: the replica's last step failed; {@code lastError} is its error;</li>
 *   <li>TRANSFERRING: the replica has applied a step of the outstanding task and the rest of that
 *       task is still the plan (it is between two steps);</li>
 *   <li>BEHIND: versions are missing and the replica has not started on them. An issued task is
 *       intent, not a transfer: only the replica's report makes a pair TRANSFERRING.</li>
 * </ol>
 * {@code missing} is what the plan would send (for a conflict: the kept live versions not held);
 * {@code lagVersions} counts live versions newer than the newest live version the replica holds.
 */
public record PairReview(TaskLedger ledger, Optional<ReplicationTask> task, ReplicationStatus status) {

    /**
     * Everything the planner knows of one subscribed pair.
     *
     * @param held       the replica's last report for the image; empty before its first one, in
     *                   which case it is planned as holding nothing (a replica whose disk
     *                   differs refuses the task and reports its disk, which replans)
     * @param lastStatus the status last emitted for the pair
     */
    public record Facts(PairKey pair, History history, SubscriptionEntry subscription, Optional<HeldState> held,
                        TaskLedger ledger, Optional<ReplicationStatus> lastStatus, SitePeers peers) {

        /** The facts of a pair whose image has no other subscriber that serves. */
        public Facts(PairKey pair, History history, SubscriptionEntry subscription, Optional<HeldState> held,
                     TaskLedger ledger, Optional<ReplicationStatus> lastStatus) {
            this(pair, history, subscription, held, ledger, lastStatus, SitePeers.NONE);
        }

        public Facts {
            Fields.present(pair, "pair");
            Fields.present(history, "history");
            Fields.present(subscription, "subscription");
            held = Fields.optional(held);
            Fields.present(ledger, "ledger");
            lastStatus = Fields.optional(lastStatus);
            Fields.present(peers, "peers");
        }
    }

    /**
     * Reviews one pair at {@code now}.
     *
     * @param sweep true on the wall-clock sweep, the only time a stalled task is re-issued
     */
    public static PairReview of(Facts facts, Instant now, boolean sweep, TopologySettings settings) {
        return of(facts, facts.history().toImageHistory(), now, sweep, settings);
    }

    /**
     * As {@link #of(Facts, Instant, boolean, TopologySettings)} with the planning view of
     * {@code facts.history()} already at hand ({@link History#toImageHistory()}), as it is when one
     * change reviews many pairs of an image.
     */
    static PairReview of(Facts facts, ImageHistory history, Instant now, boolean sweep, TopologySettings settings) {
        ReplicaHoldings holdings = facts.held().map(HeldState::holdings).orElse(ReplicaHoldings.NONE);
        List<Integer> have = holdings.versions().stream().map(ReplicaHolding::version).toList();
        PlanResult result = Planner.plan(history, holdings, facts.subscription().keep());
        boolean offline = facts.subscription().offline();
        boolean wasOffline = facts.lastStatus().map(s -> s.state() == ReplicationState.OFFLINE).orElse(false);

        TaskLedger ledger = facts.ledger();
        String progress = HeldState.progressOf(facts.held());
        if (ledger.outstanding().isPresent()) {
            TaskLedger.Outstanding task = ledger.outstanding().get();
            // A replica back from silence gets a whole deadline before its task counts as stalled.
            if (!task.progress().equals(progress) || (wasOffline && !offline)) {
                ledger = ledger.with(task.progressed(progress, now));
            }
        }

        Optional<ReplicationTask> issued = Optional.empty();
        if (result instanceof Plan plan && !plan.isEmpty()) {
            // A long chain goes as several tasks: each the next steps of the plan, so a task stays small.
            int maxSteps = settings.limits().maxStepsPerTask();
            List<TransferStep> chain = plan.steps().stream().map(PairReview::transferStep).toList();
            List<TransferStep> steps = chain.subList(0, Math.min(maxSteps, chain.size()));
            Optional<TaskLedger.Outstanding> outstanding = ledger.outstanding();
            boolean carried = outstanding.isPresent() && outstanding.get().carries(chain, have, maxSteps);
            boolean stalled = carried && sweep && !offline
                    && outstanding.get().stalledAt(now, settings.stallDeadline());
            Optional<Routing.PeerFailure> peerFailure = peerFailure(facts.held());
            boolean peerFailed = carried && peerFailure.isPresent()
                    && facts.held().flatMap(h -> h.state().lastStep()).orElseThrow().taskId()
                    .equals(outstanding.get().taskId());
            if (!carried || stalled || peerFailed) {
                PairKey pair = facts.pair();
                String site = facts.subscription().site();
                List<Routing.Peer> peers = facts.peers().around(pair);
                List<Routing.Routed> routes = Routing.route(pair.replicaId(), site,
                        plan.steps().subList(0, steps.size()), peers, peerFailure);
                int issuable = Routing.issuable(pair.replicaId(), site, routes, peers, peerFailure);
                if (issuable > 0) {
                    List<TransferStep> routed = new ArrayList<>(issuable);
                    for (int i = 0; i < issuable; i++) {
                        Routing.Routed r = routes.get(i);
                        routed.add(r.fromMaster() ? steps.get(i) : steps.get(i).from(r.source()));
                    }
                    int n = ledger.issued() + 1;
                    String taskId = pair.replicaId() + "/" + pair.image() + "/" + n;
                    issued = Optional.of(ReplicationTask.of(taskId, pair.replicaId(), pair.image(), have, routed,
                            facts.subscription().codec(settings.compression()), now));
                    ledger = new TaskLedger(n, Optional.of(
                            new TaskLedger.Outstanding(taskId, have, routed, now, progress, now, issuable < chain.size())));
                }
            }
        } else {
            ledger = ledger.settled();
        }
        return new PairReview(ledger, issued, status(facts, history, holdings, result, ledger, offline, now));
    }

    /** The peer the replica's last step failed from, if it did. */
    static Optional<Routing.PeerFailure> peerFailure(Optional<HeldState> held) {
        return held.flatMap(h -> h.state().lastStep())
                .filter(l -> l.outcome() == Outcome.FAILED && !Sources.isMaster(l.source()))
                .map(l -> new Routing.PeerFailure(l.sourceId(), l.version()));
    }

    /** True iff {@code a} and {@code b} say the same thing, whenever they were said. */
    public static boolean sameStatus(ReplicationStatus a, ReplicationStatus b) {
        return a.equals(new ReplicationStatus(b.schemaVersion(), b.replicaId(), b.site(), b.image(), b.latest(),
                b.have(), b.missing(), b.state(), b.lagVersions(), b.lastAppliedAt(), b.lastError(), b.transfer(),
                a.updatedAt()));
    }

    private static ReplicationStatus status(Facts facts, ImageHistory history, ReplicaHoldings holdings,
                                            PlanResult result, TaskLedger ledger, boolean offline, Instant now) {
        List<MasterVersion> live = history.live();
        Optional<Integer> latest = history.newestLive().map(MasterVersion::version);
        Optional<ReplicaImageState> report = facts.held().map(HeldState::state);
        Optional<StepReport> lastStep = report.flatMap(ReplicaImageState::lastStep);
        Optional<TransferProgress> moving = report.flatMap(ReplicaImageState::transfer);

        List<Integer> missing;
        ReplicationState state;
        Optional<String> lastError = Optional.empty();
        Optional<TransferProgress> transfer = Optional.empty();
        if (result instanceof Conflict conflict) {
            missing = new ArrayList<>();
            for (MasterVersion v : live.subList(Math.max(0, live.size() - facts.subscription().keep()), live.size())) {
                if (holdings.find(v.version()).isEmpty()) {
                    missing.add(v.version());
                }
            }
            state = ReplicationState.FAILED;
            lastError = Optional.of(conflict.describe());
        } else {
            Plan plan = (Plan) result;
            missing = plan.steps().stream().map(Step::version).toList();
            if (plan.isEmpty()) {
                state = ReplicationState.IN_SYNC;
            } else if (moving.isPresent()) {
                state = ReplicationState.TRANSFERRING;
                transfer = moving;
            } else if (lastStep.isPresent() && lastStep.get().outcome() == Outcome.FAILED) {
                state = ReplicationState.FAILED;
                lastError = lastStep.get().error();
            } else if (lastStep.isPresent() && ledger.outstanding().isPresent()
                    && lastStep.get().taskId().equals(ledger.outstanding().get().taskId())) {
                state = ReplicationState.TRANSFERRING;
            } else {
                state = ReplicationState.BEHIND;
            }
        }
        if (offline) {
            state = ReplicationState.OFFLINE;
            lastError = Optional.empty();
            transfer = Optional.empty();
        }

        int base = 0;
        for (ReplicaHolding held : holdings.versions()) {
            if (history.find(held.version()).map(MasterVersion::live).orElse(false)) {
                base = held.version();
            }
        }
        int floor = base;
        int lag = (int) live.stream().filter(v -> v.version() > floor).count();

        PairKey pair = facts.pair();
        return ReplicationStatus.of(pair.replicaId(), facts.subscription().site(), pair.image(), latest,
                holdings.versions().stream().map(ReplicaHolding::version).toList(), missing, state, lag,
                facts.held().flatMap(HeldState::lastAppliedAt), lastError, transfer, now);
    }

    private static TransferStep transferStep(Step step) {
        if (step instanceof Step.Delta d) {
            return TransferStep.delta(d.parentVersion(), d.parentUuid().value(), d.version(), d.uuid().value());
        }
        return TransferStep.full(step.version(), step.uuid().value());
    }
}
