package org.icbd.rcs.planner.topology;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by replica id: turns each registration into per-image subscription changes keyed by
 * image. It remembers each replica's previous registration (store {@value PlannerTopology#REGISTRATIONS}),
 * so that an image dropped from the subscription list, or a deregistration, becomes an
 * {@link ImageInput.Unsubscribed} for every image that is no longer wanted.
 *
 * <p>Every heartbeat is a registration with a newer {@code lastSeen} and is passed on for each
 * subscribed image, since liveness is judged per pair downstream. A registration equal to the
 * stored one (a redelivery) or older than it (reordered) changes nothing and emits nothing.
 */
final class RegistrationFanOut implements Processor<String, RegistrationChange, String, ImageInput> {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationFanOut.class);

    private ProcessorContext<String, ImageInput> context;
    private KeyValueStore<String, ReplicaRegistered> registrations;

    @Override
    public void init(ProcessorContext<String, ImageInput> context) {
        this.context = context;
        this.registrations = context.getStateStore(PlannerTopology.REGISTRATIONS);
    }

    @Override
    public void process(Record<String, RegistrationChange> record) {
        RegistrationChange change = record.value();
        String replica = change.replicaId();
        Optional<ReplicaRegistered> previous = Optional.ofNullable(registrations.get(replica));
        // Clamped at intake: a registration dated in the future would otherwise outrank every real one.
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        Optional<ReplicaRegistered> next = change.registration()
                .map(r -> r.lastSeen().isAfter(now) ? r.heartbeat(now) : r);
        if (next.equals(previous)) {
            return;
        }
        if (next.isPresent() && previous.isPresent() && next.get().lastSeen().isBefore(previous.get().lastSeen())) {
            LOG.debug("Ignoring registration of replica {} seen at {}: already have one seen at {}", replica,
                    next.get().lastSeen(), previous.get().lastSeen());
            return;
        }
        Set<String> wanted = next.map(r -> Set.copyOf(r.subscriptions().stream().map(Subscription::image).toList()))
                .orElse(Set.of());
        previous.ifPresent(p -> p.subscriptions().stream()
                .map(Subscription::image)
                .filter(image -> !wanted.contains(image))
                .forEach(image -> {
                    LOG.info("Replica {} no longer subscribes to image {}", replica, image);
                    context.forward(record.withKey(image).withValue(new ImageInput.Unsubscribed(replica, image)));
                }));
        if (next.isPresent()) {
            ReplicaRegistered r = next.get();
            if (previous.isEmpty()) {
                LOG.info("Replica {} at site {} registered, subscribing to {}", replica, r.site(), r.subscriptions());
            }
            for (Subscription s : r.subscriptions()) {
                context.forward(record.withKey(s.image())
                        .withValue(new ImageInput.Subscribed(replica, s.image(), r.site(), s.keep(),
                                r.compression(), r.lastSeen())));
            }
            registrations.put(replica, r);
        } else {
            LOG.info("Replica {} deregistered", replica);
            registrations.delete(replica);
        }
    }
}
