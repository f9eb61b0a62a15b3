package org.icbd.rcs.planner.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.planner.plan.ImageHistory;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by image: owns every store of an image and re-evaluates the affected pairs whenever
 * anything about the image arrives (a liveness change included), plus a wall-clock sweep of the
 * stalled tasks that are due (a deadline index, not a scan of every pair). The decisions themselves are {@link PairReview}'s; this class loads the facts, stores
 * what changed and emits tasks, statuses and dead letters.
 *
 * <p>Per-pair stores are keyed {@code image/replicaId} (the reverse of the topics' pair key) so
 * that one prefix scan finds every pair of an image; names contain no slash, so the prefix
 * {@code image/} matches that image only.
 *
 * <p>Idempotence: an input equal to what is stored, or older than it (a replica state with an
 * earlier {@code at}, a subscription with an earlier {@code lastSeen}), changes nothing. Dates from
 * the future do not count: a {@code lastSeen} is clamped to the planner's clock, and a state dated
 * ahead of it orders before the next report ({@link HeldState}). A status
 * is emitted only when it differs from the last one emitted for the pair, {@code updatedAt}
 * aside; a task only as {@link PairReview} decides. So a redelivered or reordered record emits
 * nothing; a heartbeat that changes nothing but {@code lastSeen} does not even reach this
 * processor (see {@link RegistrationFanOut}).
 */
final class ImagePlanner implements Processor<String, ImageInput, String, PlannerOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(ImagePlanner.class);
    /**
     * Decoded values kept per store of one task: every pair of a 30,000-replica fleet (90,000 pairs
     * on three partitions). Measured: the planner's peak RSS at 10,000 replicas (30,000 pairs) rose
     * by 57-79 MiB with them, about 2-2.7 KB per pair across the four stores.
     */
    static final int DECODED_VALUES = 40_000;

    private final TopologySettings settings;
    private ProcessorContext<String, PlannerOutput> context;
    private KeyValueStore<String, History> histories;
    private DecodedStore<SubscriptionEntry> subscriptions;
    private DecodedStore<HeldState> heldStates;
    private DecodedStore<TaskLedger> ledgers;
    private DecodedStore<ReplicationStatus> statuses;
    /** Outstanding tasks by stall deadline; stale entries (progress since) are dropped when due. */
    private final PriorityQueue<Due> stallIndex = new PriorityQueue<>(Comparator.comparing(Due::at));
    /**
     * The decoded history of each image this task has planned, written through with the store:
     * this processor is the store's only writer, so the two never differ. A version event reviews
     * every subscriber of the image and a state report one pair; decoding the history (and its
     * planning view) once per change instead of once per pair is most of a review's cost.
     */
    private final Map<String, Decoded> decoded = new HashMap<>();
    private final Counts counts = new Counts();
    /** Per image, its serving subscribers and outstanding peer steps: loaded once per input, when routing asks. */
    private final Map<String, ImagePeers> peerViews = new HashMap<>();

    private record Due(Instant at, String storeKey) {
    }

    /** An image's stored history and the planning core's view of it. */
    private record Decoded(History history, ImageHistory view) {
        static final Decoded EMPTY = new Decoded(History.EMPTY, History.EMPTY.toImageHistory());

        static Decoded of(History history) {
            return new Decoded(history, history.toImageHistory());
        }
    }

    ImagePlanner(TopologySettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, PlannerOutput> context) {
        this.context = context;
        histories = context.getStateStore(PlannerTopology.HISTORIES);
        subscriptions = decodedStore(context, PlannerTopology.SUBSCRIPTIONS);
        heldStates = decodedStore(context, PlannerTopology.HELD_STATES);
        ledgers = decodedStore(context, PlannerTopology.TASK_LEDGERS);
        statuses = decodedStore(context, PlannerTopology.STATUSES);
        decoded.clear();
        try (KeyValueIterator<String, TaskLedger> all = ledgers.all()) {
            while (all.hasNext()) {
                KeyValue<String, TaskLedger> entry = all.next();
                indexStall(entry.key, entry.value);
            }
        }
        context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, ImageInput> record) {
        peerViews.clear();
        Instant now = now();
        ImageInput input = record.value();
        if (input instanceof ImageInput.VersionEvent v) {
            onVersionEvent(v.event(), now);
        } else if (input instanceof ImageInput.Subscribed s) {
            onSubscribed(s, now);
        } else if (input instanceof ImageInput.Liveness l) {
            onLiveness(l, now);
        } else if (input instanceof ImageInput.Unsubscribed u) {
            onUnsubscribed(new PairKey(u.replicaId(), u.image()), now);
        } else if (input instanceof ImageInput.StateReported r) {
            onStateReported(r.state(), now);
        } else if (input instanceof ImageInput.StateCleared c) {
            PairKey pair = new PairKey(c.replicaId(), c.image());
            if (heldStates.get(storeKey(pair)) != null) {
                heldStates.delete(storeKey(pair));
                review(pair, now, false);
                reviewDownstreams(pair, subscriptions.get(storeKey(pair)), now);
            }
        }
    }

    private void onVersionEvent(ImageVersionEvent event, Instant now) {
        String image = event.image();
        History before = history(image).history();
        History after;
        try {
            after = before.apply(event);
        } catch (IllegalArgumentException contradiction) {
            reject(image, event, contradiction.getMessage(), now);
            return;
        }
        if (after == before) {
            return;
        }
        histories.put(image, after);
        Decoded history = Decoded.of(after);
        decoded.put(image, history);
        counts.versions++;
        LOG.info("Image {} version {} {}", image, event.version(),
                after.find(event.version()).orElseThrow().retired() ? "retired" : "published");
        // Serving replicas first: the other replicas of their sites then wait for them rather than
        // all fetching the new version from the master.
        List<KeyValue<String, SubscriptionEntry>> serving = new ArrayList<>();
        List<KeyValue<String, SubscriptionEntry>> others = new ArrayList<>();
        try (KeyValueIterator<String, SubscriptionEntry> it = subscriptions.prefixScan(image + "/")) {
            while (it.hasNext()) {
                KeyValue<String, SubscriptionEntry> e = it.next();
                (e.value.serves().isPresent() ? serving : others).add(e);
            }
        }
        for (List<KeyValue<String, SubscriptionEntry>> group : List.of(serving, others)) {
            for (KeyValue<String, SubscriptionEntry> e : group) {
                review(e.key, e.value, history, Optional.ofNullable(heldStates.get(e.key)), now, false);
            }
        }
    }

    private void onSubscribed(ImageInput.Subscribed s, Instant now) {
        PairKey pair = new PairKey(s.replicaId(), s.image());
        String key = storeKey(pair);
        Instant heard = s.lastSeen().isAfter(now) ? now : s.lastSeen();
        SubscriptionEntry next = new SubscriptionEntry(s.site(), s.keep(), s.compression(), heard, false, s.serves());
        SubscriptionEntry stored = subscriptions.get(key);
        if (next.equals(stored)) {
            return;
        }
        if (stored != null && heard.isBefore(stored.lastSeen())) {
            LOG.debug("Ignoring subscription of replica {} to image {} seen at {}: already have one seen at {}",
                    pair.replicaId(), pair.image(), heard, stored.lastSeen());
            return;
        }
        if (stored == null) {
            LOG.debug("Replica {} subscribes to image {} (keep {}, compression {})", pair.replicaId(), pair.image(),
                    s.keep(), next.codec(settings.compression()).code());
        } else if (!stored.compression().equals(next.compression())) {
            // The outstanding task keeps its codec: the replica decodes every codec; the next task
            // asks for the new one.
            LOG.info("Replica {} image {}: compression preference now {}", pair.replicaId(), pair.image(),
                    next.codec(settings.compression()).code());
        }
        subscriptions.put(key, next);
        review(key, next, history(pair.image()), Optional.ofNullable(heldStates.get(key)), now, false);
        if (stored != null && !stored.serves().equals(next.serves())) {
            reviewDownstreams(pair, stored.serves().isPresent() ? stored : next, now);
        }
    }

    private void onLiveness(ImageInput.Liveness l, Instant now) {
        PairKey pair = new PairKey(l.replicaId(), l.image());
        String key = storeKey(pair);
        SubscriptionEntry stored = subscriptions.get(key);
        if (stored == null || stored.offline() == l.offline()) {
            return;
        }
        SubscriptionEntry next = stored.withLiveness(l.offline(), l.lastSeen().isAfter(now) ? now : l.lastSeen());
        subscriptions.put(key, next);
        review(key, next, history(pair.image()), Optional.ofNullable(heldStates.get(key)), now, false);
        reviewDownstreams(pair, stored, now);
    }

    private void onUnsubscribed(PairKey pair, Instant now) {
        String key = storeKey(pair);
        SubscriptionEntry was = subscriptions.get(key);
        subscriptions.delete(key);
        TaskLedger ledger = ledgers.get(key);
        if (ledger != null && ledger.outstanding().isPresent()) {
            ledgers.put(key, ledger.settled());
        }
        // The pair no longer exists: a tombstone lets the compacted status topic forget it.
        if (statuses.get(key) != null) {
            statuses.delete(key);
            forward(pair.toString(), new PlannerOutput.StatusChanged(pair, Optional.empty()), now);
            LOG.debug("Replica {} unsubscribed from image {}: status removed", pair.replicaId(), pair.image());
        }
        reviewDownstreams(pair, was, now);
    }

    private void onStateReported(ReplicaImageState state, Instant now) {
        PairKey pair = new PairKey(state.replicaId(), state.image());
        String key = storeKey(pair);
        HeldState stored = heldStates.get(key);
        if (stored != null) {
            if (stored.state().equals(state)) {
                return;
            }
            if (stored.supersedes(state)) {
                LOG.debug("Ignoring state of replica {} image {} at {}: already have one at {}", pair.replicaId(),
                        pair.image(), state.at(), stored.state().at());
                return;
            }
        }
        boolean datedAhead = HeldState.datedAhead(state, now);
        if (datedAhead) {
            RecordMetadata where = context.recordMetadata().orElseThrow();
            LOG.warn("State of replica {} image {} from {}-{}@{} is dated {}, ahead of this planner's clock ({}): the"
                    + " replica's next report replaces it whatever its date", pair.replicaId(), pair.image(),
                    where.topic(), where.partition(), where.offset(), state.at(), now);
        }
        Optional<Instant> lastAppliedAt = stored == null ? Optional.empty() : stored.lastAppliedAt();
        boolean newStep = stored == null || !stored.state().lastStep().equals(state.lastStep());
        if (newStep && state.lastStep().map(l -> l.outcome() == Outcome.APPLIED).orElse(false)) {
            lastAppliedAt = Optional.of(state.at().isAfter(now) ? now : state.at());
        }
        HeldState held = new HeldState(state, lastAppliedAt, datedAhead);
        heldStates.put(key, held);
        SubscriptionEntry subscription = subscriptions.get(key);
        if (subscription != null) {
            review(key, subscription, history(pair.image()), Optional.of(held), now, false);
            // A peer's new holdings or failed step may free the replicas of its site waiting for it.
            if (stored == null || newStep || !stored.state().versions().equals(state.versions())) {
                reviewDownstreams(pair, subscription, now);
            }
        }
    }

    /**
     * The wall-clock sweep: outstanding tasks whose stall deadline passed. It visits only the
     * pairs due in {@link #stallIndex}; silence is not judged here but by the registrations'
     * liveness clock, which sends {@link ImageInput.Liveness}.
     */
    private void sweep(long nowMs) {
        peerViews.clear();
        Instant now = Instant.ofEpochMilli(nowMs);
        List<String> due = new ArrayList<>();
        while (!stallIndex.isEmpty() && !stallIndex.peek().at().isAfter(now)) {
            due.add(stallIndex.poll().storeKey());
        }
        for (String key : due) {
            TaskLedger ledger = ledgers.get(key);
            SubscriptionEntry subscription = subscriptions.get(key);
            if (ledger != null && subscription != null && !subscription.offline() && ledger.outstanding().isPresent()
                    && ledger.outstanding().get().stalledAt(now, settings.stallDeadline())) {
                review(pairOf(key), now, true);
            }
        }
        counts.summarise(context.taskId().toString(), now);
    }

    /** Indexes the pair's outstanding task, if any, by its stall deadline. */
    private void indexStall(String key, TaskLedger ledger) {
        ledger.outstanding().ifPresent(task ->
                stallIndex.add(new Due(task.progressAt().plus(settings.stallDeadline()), key)));
    }

    /** Reviews the pair if it is subscribed, loading every fact from the stores. */
    private void review(PairKey pair, Instant now, boolean sweep) {
        String key = storeKey(pair);
        SubscriptionEntry subscription = subscriptions.get(key);
        if (subscription == null) {
            return;
        }
        review(key, subscription, history(pair.image()), Optional.ofNullable(heldStates.get(key)), now, sweep);
    }

    /** Reviews a subscribed pair whose subscription, history and report the caller has at hand. */
    private void review(String key, SubscriptionEntry subscription, Decoded history, Optional<HeldState> held,
                        Instant now, boolean sweep) {
        PairKey pair = pairOf(key);
        PairReview.Facts facts = new PairReview.Facts(pair, history.history(), subscription, held,
                Optional.ofNullable(ledgers.get(key)).orElse(TaskLedger.NONE), Optional.ofNullable(statuses.get(key)),
                p -> peersOf(p.image()).around(p));
        PairReview review = PairReview.of(facts, history.view(), now, sweep, settings);

        if (!review.ledger().equals(facts.ledger())) {
            ledgers.put(key, review.ledger());
            indexStall(key, review.ledger());
            ImagePeers view = peerViews.get(pair.image());
            if (view != null) {
                view.ledger(pair.replicaId(), review.ledger(), facts.held());
            }
        }
        if (review.task().isPresent()) {
            ReplicationTask task = review.task().get();
            Optional<TaskLedger.Outstanding> previous = facts.ledger().outstanding();
            if (previous.isPresent() && previous.get().carries(task.steps(), task.expectHave())) {
                counts.reissued++;
                LOG.debug("Task {} for replica {} image {} made no progress since {}; issuing it again as {}",
                        previous.get().taskId(), pair.replicaId(), pair.image(), previous.get().progressAt(),
                        task.taskId());
            }
            counts.tasks++;
            LOG.debug("Issuing task {} to replica {} for image {}: {} (expect have {})", task.taskId(),
                    pair.replicaId(), pair.image(), render(task), task.expectHave());
            forward(pair.replicaId(), new PlannerOutput.TaskIssued(task), now);
        }
        ReplicationStatus status = review.status();
        Optional<ReplicationStatus> last = facts.lastStatus();
        if (last.isEmpty() || !PairReview.sameStatus(last.get(), status)) {
            statuses.put(key, status);
            if (last.isEmpty() || last.get().state() != status.state()) {
                counts.states.merge(status.state(), 1L, Long::sum);
                LOG.debug("Replica {} image {} is {}{}", pair.replicaId(), pair.image(), status.state(),
                        status.lastError().map(e -> ": " + e.lines().findFirst().orElse(e)).orElse(""));
            }
            forward(pair.toString(), new PlannerOutput.StatusChanged(pair, Optional.of(status)), now);
        }
    }

    private void reject(String image, ImageVersionEvent event, String reason, Instant now) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        LOG.warn("Unusable version event at {}-{}@{} for image {} goes to the dead letters: {}", where.topic(),
                where.partition(), where.offset(), image, reason);
        // The event as read, written back in its wire form: the intake kept no bytes, and an event
        // that parsed loses nothing in the round trip but unknown fields.
        byte[] raw = Topics.IMAGE_VERSIONS.valueSerde().serializer().serialize(where.topic(), event);
        forward(image, new PlannerOutput.Rejected(DeadLetter.of(where.topic(), where.partition(), where.offset(),
                raw, reason, IntakeProcessor.CONSUMER, now)), now);
    }

    private static <V> DecodedStore<V> decodedStore(ProcessorContext<?, ?> context, String name) {
        return new DecodedStore<>(context.getStateStore(name), DECODED_VALUES);
    }

    private Decoded history(String image) {
        Decoded known = decoded.get(image);
        if (known == null) {
            History stored = histories.get(image);
            known = stored == null ? Decoded.EMPTY : Decoded.of(stored);
            decoded.put(image, known);
        }
        return known;
    }

    /**
     * After a change to a serving replica's pair (its holdings, last step, liveness, service or
     * subscription), the other pairs of its image at its site: those waiting for it get their task now
     * (from it, or from the master when it can no longer serve them). Reviews that change nothing emit
     * nothing; a replica that does not serve has no one waiting for it.
     */
    private void reviewDownstreams(PairKey peer, SubscriptionEntry subscription, Instant now) {
        if (subscription == null || subscription.serves().isEmpty()) {
            return;
        }
        List<PairKey> site = new ArrayList<>();
        try (KeyValueIterator<String, SubscriptionEntry> it = subscriptions.prefixScan(peer.image() + "/")) {
            while (it.hasNext()) {
                KeyValue<String, SubscriptionEntry> e = it.next();
                PairKey pair = pairOf(e.key);
                if (!pair.equals(peer) && e.value.site().equals(subscription.site())) {
                    site.add(pair);
                }
            }
        }
        site.forEach(pair -> review(pair, now, false));
    }

    /** The image's serving subscribers and outstanding peer steps, loaded at the first call of an input. */
    private ImagePeers peersOf(String image) {
        ImagePeers view = peerViews.get(image);
        if (view != null) {
            return view;
        }
        view = new ImagePeers();
        try (KeyValueIterator<String, SubscriptionEntry> it = subscriptions.prefixScan(image + "/")) {
            while (it.hasNext()) {
                KeyValue<String, SubscriptionEntry> e = it.next();
                if (e.value.serves().isPresent()) {
                    view.server(pairOf(e.key).replicaId(), e.value, Optional.ofNullable(heldStates.get(e.key)),
                            Optional.ofNullable(ledgers.get(e.key)).orElse(TaskLedger.NONE));
                }
            }
        }
        if (view.hasServers()) {
            try (KeyValueIterator<String, TaskLedger> it = ledgers.prefixScan(image + "/")) {
                while (it.hasNext()) {
                    KeyValue<String, TaskLedger> e = it.next();
                    if (e.value.outstanding().map(o -> !o.peersFor(Set.of()).isEmpty()).orElse(false)) {
                        view.ledger(pairOf(e.key).replicaId(), e.value, Optional.ofNullable(heldStates.get(e.key)));
                    }
                }
            }
        }
        peerViews.put(image, view);
        return view;
    }

    private void forward(String key, PlannerOutput output, Instant now) {
        context.forward(new Record<>(key, output, now.toEpochMilli()));
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }

    static String storeKey(PairKey pair) {
        return pair.image() + "/" + pair.replicaId();
    }

    static PairKey pairOf(String storeKey) {
        int slash = storeKey.indexOf('/');
        return new PairKey(storeKey.substring(slash + 1), storeKey.substring(0, slash));
    }

    private static String render(ReplicationTask task) {
        List<String> steps = new ArrayList<>();
        task.steps().forEach(s -> steps.add(s.parentVersion().map(p -> p + "->" + s.version())
                .orElse("full " + s.version())));
        return String.join(", ", steps);
    }

    /** What the planner did since the last summary line: the INFO view at fleet scale. */
    private static final class Counts {
        long versions;
        long tasks;
        long reissued;
        final Map<ReplicationState, Long> states = new EnumMap<>(ReplicationState.class);
        private final SummaryClock clock = new SummaryClock();

        void summarise(String task, Instant now) {
            long seconds = clock.due(now);
            if (seconds < 0) {
                return;
            }
            if (versions + tasks + reissued > 0 || !states.isEmpty()) {
                LOG.info("Planner task {} in the last {}s: {} version events, {} tasks issued ({} of them stalled "
                        + "tasks issued again), status changes into {}", task, seconds,
                        versions, tasks, reissued, states);
            }
            versions = 0;
            tasks = 0;
            reissued = 0;
            states.clear();
        }
    }
}
