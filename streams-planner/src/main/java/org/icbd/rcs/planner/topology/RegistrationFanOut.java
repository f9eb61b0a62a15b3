package org.icbd.rcs.planner.topology;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by replica id: turns each registration into per-image subscription changes keyed by
 * image, and judges each replica's liveness once, for all its images.
 *
 * <p>It remembers each replica's previous registration (store {@value PlannerTopology#REGISTRATIONS}),
 * so that an image dropped from the subscription list, or a deregistration, becomes an
 * {@link ImageInput.Unsubscribed} for every image that is no longer wanted. A registration that
 * changes anything but {@code lastSeen} is stored and passed on as {@link ImageInput.Subscribed}
 * for each subscribed image.
 *
 * <p>A heartbeat (a registration equal to the stored one but for a newer {@code lastSeen}) is the
 * fleet-scale path and costs no store write and no output: it only moves the replica in the
 * in-memory {@link LivenessClock}. Liveness reaches the images only when it changes: a wall-clock
 * punctuation asks the clock who fell silent and sends {@link ImageInput.Liveness} OFFLINE for
 * each of their images (remembered in {@value PlannerTopology#SILENT_REPLICAS}, written only on
 * such transitions), and the first record heard from a silent replica sends it back online. A
 * registration older than the stored one (reordered) changes nothing and emits nothing.
 */
final class RegistrationFanOut implements Processor<String, RegistrationChange, String, ImageInput> {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationFanOut.class);

    private final TopologySettings settings;
    private ProcessorContext<String, ImageInput> context;
    private KeyValueStore<String, ReplicaRegistered> registrations;
    private KeyValueStore<String, String> silentReplicas;
    private LivenessClock liveness;
    private final Counts counts = new Counts();

    RegistrationFanOut(TopologySettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, ImageInput> context) {
        this.context = context;
        this.registrations = context.getStateStore(PlannerTopology.REGISTRATIONS);
        this.silentReplicas = context.getStateStore(PlannerTopology.SILENT_REPLICAS);
        this.liveness = new LivenessClock(settings.offlineAfter(), wallNow());
        int known = 0;
        try (KeyValueIterator<String, ReplicaRegistered> all = registrations.all()) {
            while (all.hasNext()) {
                KeyValue<String, ReplicaRegistered> entry = all.next();
                liveness.restored(entry.key, entry.value.lastSeen(), silentReplicas.get(entry.key) != null);
                known++;
            }
        }
        LOG.debug("Task {}: {} registered replicas restored into the liveness clock", context.taskId(), known);
        context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, RegistrationChange> record) {
        Instant now = wallNow();
        RegistrationChange change = record.value();
        String replica = change.replicaId();
        Optional<ReplicaRegistered> previous = Optional.ofNullable(registrations.get(replica));
        // Clamped at intake: a registration dated in the future would otherwise outrank every real one.
        Optional<ReplicaRegistered> next = change.registration()
                .map(r -> r.lastSeen().isAfter(now) ? r.heartbeat(now) : r);
        if (next.isEmpty()) {
            if (previous.isPresent()) {
                previous.get().subscriptions().forEach(s -> unsubscribe(record, replica, s.image()));
                LOG.info("Replica {} deregistered", replica);
                registrations.delete(replica);
                silentReplicas.delete(replica);
                liveness.forget(replica);
            }
            return;
        }
        ReplicaRegistered r = next.get();
        if (previous.isPresent() && r.lastSeen().isBefore(previous.get().lastSeen())) {
            LOG.debug("Ignoring registration of replica {} seen at {}: already have one seen at {}", replica,
                    r.lastSeen(), previous.get().lastSeen());
            return;
        }
        boolean back = liveness.heard(replica, r.lastSeen(), now);
        if (back) {
            silentReplicas.delete(replica);
            counts.back++;
        }
        if (previous.isPresent() && previous.get().heartbeat(r.lastSeen()).equals(r)) {
            if (back) {
                LOG.debug("Replica {} is heard again at {}", replica, r.lastSeen());
                for (Subscription s : r.subscriptions()) {
                    context.forward(record.withKey(s.image())
                            .withValue(new ImageInput.Liveness(replica, s.image(), false, r.lastSeen())));
                }
            }
            return;
        }
        Set<String> wanted = Set.copyOf(r.subscriptions().stream().map(Subscription::image).toList());
        previous.ifPresent(p -> p.subscriptions().stream()
                .map(Subscription::image)
                .filter(image -> !wanted.contains(image))
                .forEach(image -> unsubscribe(record, replica, image)));
        if (previous.isEmpty()) {
            LOG.debug("Replica {} at site {} registered, subscribing to {}", replica, r.site(), r.subscriptions());
            counts.registered++;
        } else {
            LOG.debug("Replica {} at site {} registered again, subscribing to {}", replica, r.site(),
                    r.subscriptions());
            counts.changed++;
        }
        for (Subscription s : r.subscriptions()) {
            context.forward(record.withKey(s.image())
                    .withValue(new ImageInput.Subscribed(replica, s.image(), r.site(), s.keep(),
                            r.compression(), r.lastSeen(), r.serves())));
        }
        registrations.put(replica, r);
    }

    private void unsubscribe(Record<String, RegistrationChange> record, String replica, String image) {
        LOG.info("Replica {} no longer subscribes to image {}", replica, image);
        context.forward(record.withKey(image).withValue(new ImageInput.Unsubscribed(replica, image)));
    }

    /** Sends OFFLINE for every image of each replica that fell silent since the last sweep. */
    private void sweep(long nowMs) {
        Instant now = Instant.ofEpochMilli(nowMs);
        List<String> fell = liveness.due(now);
        for (String replica : fell) {
            ReplicaRegistered r = registrations.get(replica);
            if (r == null) {
                continue;
            }
            Instant seen = liveness.lastSeen(replica).orElse(r.lastSeen());
            LOG.debug("Replica {} silent since {}: OFFLINE", replica, seen);
            silentReplicas.put(replica, seen.toString());
            for (Subscription s : r.subscriptions()) {
                context.forward(new Record<>(s.image(), new ImageInput.Liveness(replica, s.image(), true, seen),
                        nowMs));
            }
        }
        counts.silent += fell.size();
        counts.summarise(context.taskId().toString(), now);
    }

    private Instant wallNow() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }

    /** What happened since the last summary line. */
    private static final class Counts {
        long registered;
        long changed;
        long silent;
        long back;
        private final SummaryClock clock = new SummaryClock();

        void summarise(String task, Instant now) {
            long seconds = clock.due(now);
            if (seconds < 0) {
                return;
            }
            if (registered + changed + silent + back > 0) {
                LOG.info("Replicas of task {} in the last {}s: {} registered, {} registrations changed, "
                        + "{} fell silent (OFFLINE), {} heard again", task, seconds,
                        registered, changed, silent, back);
            }
            registered = 0;
            changed = 0;
            silent = 0;
            back = 0;
        }
    }
}
