package org.icbd.rcs.localkafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.icbd.rcs.topic.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the project's topics on any cluster, through the public {@link Admin} API only (no
 * broker internals), so that production services and {@code icbd topics ensure} can use it as
 * well as the local broker.
 *
 * <p>A topic is created with its descriptor's {@link Topic#config()} (cleanup policy, retention),
 * the given partitions and replication factor, and {@code min.insync.replicas} one less than the
 * replication factor (at least 1): with three replicas, an {@code acks=all} write survives the
 * loss of any one broker and is refused rather than kept on a single one.
 *
 * <p>Idempotent: a topic that already exists is left as it is. Its settings are compared with
 * what it would have been created with, and every difference (say, {@code cleanup.policy=delete}
 * where the planner needs a compacted table, fewer partitions than asked for, or one replica where
 * three were asked for) is logged as a warning and returned, for the caller to decide whether it
 * may run with it. More partitions than asked for is no difference: partitions cannot be removed,
 * and the topics' keys route to any number of them.
 */
public final class TopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    /** How long {@link #ensureTopics(Admin, Collection, int, short)} waits for the cluster. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The setting a created topic gets from {@link #minInsyncReplicasFor(short)}. */
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    /** The pseudo-setting a {@link Mismatch} names when an existing topic has too few partitions. */
    public static final String PARTITIONS = "partitions";
    /** The pseudo-setting a {@link Mismatch} names when an existing topic has another replication factor. */
    public static final String REPLICATION_FACTOR = "replication.factor";

    /** Pause between asks while a new topic propagates from the controller to the brokers. */
    private static final long METADATA_RETRY_BACKOFF_MS = 50;

    private TopicAdmin() {
    }

    /**
     * What {@link #ensureTopics} found and did.
     *
     * @param created    topics created by this call
     * @param existing   topics that already existed and were left alone
     * @param mismatches settings of existing topics that differ from their descriptors
     */
    public record Result(List<String> created, List<String> existing, List<Mismatch> mismatches) {

        public Result {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
            mismatches = List.copyOf(mismatches);
        }

        /** The differences of one topic, in the order they were found; empty when it matches. */
        public List<Mismatch> mismatchesOf(String topic) {
            return mismatches.stream().filter(m -> m.topic().equals(topic)).toList();
        }
    }

    /**
     * A setting of an existing topic that differs from its descriptor.
     *
     * @param actual the cluster's value; null when the cluster does not report the setting
     */
    public record Mismatch(String topic, String setting, String expected, String actual) {

        /** The difference without the topic: {@code cleanup.policy is delete, expected compact}. */
        public String describe() {
            return setting + " is " + (actual == null ? "not reported" : actual) + ", expected " + expected;
        }

        @Override
        public String toString() {
            return topic + ": " + describe();
        }
    }

    /**
     * The {@code min.insync.replicas} of a topic with {@code replicationFactor} replicas: one less,
     * at least 1, so that one replica may be down without refusing writes, and an acknowledged
     * write is on two brokers whenever there are more than two.
     */
    public static int minInsyncReplicasFor(short replicationFactor) {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor must be at least 1, got " + replicationFactor);
        }
        return Math.max(1, replicationFactor - 1);
    }

    /** What a topic is created with: its descriptor's settings and the min ISR for the replication factor. */
    static Map<String, String> creationConfig(Topic<?, ?> topic, short replicationFactor) {
        Map<String, String> config = new TreeMap<>(topic.config());
        config.put(MIN_INSYNC_REPLICAS, String.valueOf(minInsyncReplicasFor(replicationFactor)));
        return config;
    }

    /** {@link #ensureTopics(Admin, Collection, int, short, Duration)} with {@link #DEFAULT_TIMEOUT}. */
    public static Result ensureTopics(Admin admin, Collection<? extends Topic<?, ?>> topics, int partitions,
                                      short replicationFactor) {
        return ensureTopics(admin, topics, partitions, replicationFactor, DEFAULT_TIMEOUT);
    }

    /**
     * Creates every topic that does not exist yet, with its descriptor's settings. On return every
     * topic is known to the broker the admin client asks, so clients can use them at once.
     *
     * @param partitions        partitions of each created topic; existing topics keep theirs, and
     *                          are reported if they have fewer
     * @param replicationFactor replicas of each created topic's partitions; sets min ISR too
     * @throws KafkaException if a topic could not be created or the cluster did not answer in time;
     *                        the message lists every topic that failed and why
     */
    public static Result ensureTopics(Admin admin, Collection<? extends Topic<?, ?>> topics, int partitions,
                                      short replicationFactor, Duration timeout) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor must be at least 1, got " + replicationFactor);
        }
        Map<String, Topic<?, ?>> byName = new LinkedHashMap<>();
        for (Topic<?, ?> topic : topics) {
            byName.putIfAbsent(topic.name(), topic);
        }
        if (byName.isEmpty()) {
            return new Result(List.of(), List.of(), List.of());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NewTopic> requests = byName.values().stream()
                .map(t -> new NewTopic(t.name(), partitions, replicationFactor)
                        .configs(creationConfig(t, replicationFactor)))
                .toList();
        Map<String, KafkaFuture<Void>> futures = admin
                .createTopics(requests, new CreateTopicsOptions().timeoutMs(millisLeft(deadline)))
                .values();

        List<String> created = new ArrayList<>();
        List<String> existing = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Throwable firstFailure = null;
        for (String name : byName.keySet()) {
            try {
                futures.get(name).get(millisLeft(deadline), TimeUnit.MILLISECONDS);
                created.add(name);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    existing.add(name);
                } else {
                    failures.add(name + " (" + e.getCause() + ")");
                    firstFailure = firstFailure == null ? e.getCause() : firstFailure;
                }
            } catch (TimeoutException e) {
                failures.add(name + " (no answer within " + timeout.toMillis() + " ms)");
                firstFailure = firstFailure == null ? e : firstFailure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
        if (!failures.isEmpty()) {
            throw new KafkaException("could not create topics " + String.join(", ", failures)
                    + "; check the cluster's bootstrap address, ACLs and that it has at least "
                    + replicationFactor + " brokers", firstFailure);
        }
        Map<String, TopicDescription> descriptions = awaitKnown(admin, byName.keySet(), deadline, timeout);
        List<Mismatch> mismatches = existing.isEmpty() ? List.of()
                : compare(admin, existing, byName, descriptions, partitions, replicationFactor, deadline);
        if (created.isEmpty()) {
            LOG.info("All {} topics already exist: {}", existing.size(), existing);
        } else {
            LOG.info("Created topics {} ({} partitions, replication factor {}); already existing: {}", created,
                    partitions, replicationFactor, existing);
        }
        for (Mismatch m : mismatches) {
            LOG.warn("Topic {} exists with {} {} where {} is expected; change it on the cluster "
                    + "(kafka-configs --alter, kafka-topics --alter, kafka-reassign-partitions) if this was not "
                    + "deliberate", m.topic(), m.setting(), m.actual(), m.expected());
        }
        return new Result(created, existing, mismatches);
    }

    /**
     * Waits until the broker the admin client asks knows every topic: a topic the controller has
     * just created reaches the brokers' metadata a moment later, and until then they answer
     * "unknown topic" to clients of it.
     */
    private static Map<String, TopicDescription> awaitKnown(Admin admin, Collection<String> names, long deadline,
                                                            Duration timeout) {
        while (true) {
            try {
                return admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(millisLeft(deadline)))
                        .allTopicNames().get(millisLeft(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() >= deadline) {
                    throw new KafkaException("topics " + names + " were created but the cluster does not show them "
                            + "within " + timeout.toMillis() + " ms: " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new KafkaException("topics " + names + " were created but the cluster does not show them "
                        + "within " + timeout.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(METADATA_RETRY_BACKOFF_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
    }

    private static List<Mismatch> compare(Admin admin, List<String> names, Map<String, Topic<?, ?>> byName,
                                          Map<String, TopicDescription> descriptions, int partitions,
                                          short replicationFactor, long deadline) {
        List<ConfigResource> resources = names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                .toList();
        Map<ConfigResource, Config> configs;
        try {
            configs = admin.describeConfigs(resources, new DescribeConfigsOptions().timeoutMs(millisLeft(deadline)))
                    .all().get(millisLeft(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new KafkaException("could not read the settings of existing topics " + names + ": " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
        List<Mismatch> mismatches = new ArrayList<>();
        for (ConfigResource resource : resources) {
            Config config = configs.get(resource);
            TopicDescription description = descriptions.get(resource.name());
            int actualPartitions = description.partitions().size();
            if (actualPartitions < partitions) {
                mismatches.add(new Mismatch(resource.name(), PARTITIONS, "at least " + partitions,
                        String.valueOf(actualPartitions)));
            }
            // Every partition is compared: a reassignment may have left some with other counts.
            String replicas = description.partitions().stream()
                    .map(p -> p.replicas().size())
                    .filter(n -> n != replicationFactor)
                    .distinct().sorted().map(String::valueOf)
                    .collect(Collectors.joining(" and "));
            if (!replicas.isEmpty()) {
                mismatches.add(new Mismatch(resource.name(), REPLICATION_FACTOR, String.valueOf(replicationFactor),
                        replicas));
            }
            creationConfig(byName.get(resource.name()), replicationFactor).entrySet()
                    .forEach(expected -> {
                        ConfigEntry entry = config == null ? null : config.get(expected.getKey());
                        String actual = entry == null ? null : entry.value();
                        if (!expected.getValue().equals(actual)) {
                            mismatches.add(new Mismatch(resource.name(), expected.getKey(), expected.getValue(),
                                    actual));
                        }
                    });
        }
        return mismatches;
    }

    private static int millisLeft(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
    }
}
