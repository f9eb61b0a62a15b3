package org.icbd.rcs.replica.service;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.replica.apply.TaskApplier;
import org.icbd.rcs.replica.apply.TaskOutcome;
import org.icbd.rcs.replica.report.PublishException;
import org.icbd.rcs.replica.report.ReplicaReports;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's consumer of {@code icbd.replication-tasks}: one thread, one task at a time, in
 * topic order. Tasks keyed to other replicas are skipped without work; records this build cannot
 * read go to {@code icbd.dead-letters}; a failure under a task (a state not acknowledged, a commit
 * refused, the disk failing) rewinds it and pauses ({@link LoopPause}), whatever the count. What
 * ends the loop other than {@link #close()} (polling itself failing, an error) completes {@link
 * #death()}, so that the replica stops looking alive.
 *
 * <p>An offset is committed only after the task's state (or the dead letter) was acknowledged by
 * Kafka. A task abandoned because the service stops is not committed, so it is delivered again
 * after a restart (and is harmless if it was in fact finished: the disk then has its target).
 */
public final class TaskConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskConsumer.class);

    private static final Duration POLL = Duration.ofMillis(500);

    private final String replicaId;
    private final TaskApplier applier;
    private final ReplicaReports publisher;
    private final LoopPause pause;
    private final Clock clock;
    private final TaskSource consumer;
    private final Thread thread;
    private final CompletableFuture<TaskLoopDeath> death = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile boolean started;

    public TaskConsumer(String replicaId, KafkaClientSettings kafka, String groupId, TaskApplier applier,
                        ReplicaReports publisher, LoopPause pause, Clock clock) {
        this(replicaId, new KafkaTaskSource(replicaId, kafka, groupId), applier, publisher, pause, clock);
    }

    TaskConsumer(String replicaId, TaskSource consumer, TaskApplier applier, ReplicaReports publisher, LoopPause pause,
                 Clock clock) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.applier = Objects.requireNonNull(applier, "applier");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.thread = new Thread(this::loop, "replica-tasks-" + replicaId);
    }

    public void start() {
        consumer.subscribe();
        thread.start();
        started = true;
    }

    /** Whether the task loop runs: started, and neither closed nor ended. */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /**
     * Completes once the task loop ended without {@link #close()} asking it to; never completes
     * otherwise. Completing it does not complete the loop's own future.
     */
    public CompletableFuture<TaskLoopDeath> death() {
        return death.copy();
    }

    private void loop() {
        Throwable fatal = null;
        try {
            int failures = 0;
            while (!closing) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException e) {
                    break;
                }
                try {
                    if (!handle(records)) {
                        break;
                    }
                    failures = 0;
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    // Kafka or the disk failed under a task: it was rewound and is tried again after a
                    // pause. The loop itself never dies of it.
                    failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
                    Duration delay = pause.after(failures);
                    if (e instanceof PublishException) {
                        log.warn("replica {}: {}; the task is retried in {} ms", replicaId, e.getMessage(),
                                delay.toMillis());
                    } else {
                        log.error("replica {}: handling a task failed; it is retried in {} ms", replicaId,
                                delay.toMillis(), e);
                    }
                    awaitClose(delay);
                }
            }
        } catch (RuntimeException | Error e) {
            // Polling failed (a fenced or unauthorised consumer, say) or something no task explains:
            // nothing here can resume the loop; a restart of the process can.
            fatal = e;
            log.error("replica {}: the task loop died", replicaId, e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.warn("replica {}: closing the task consumer failed: {}", replicaId, e.toString());
            }
            if (!closing) {
                death.complete(new TaskLoopDeath(fatal == null ? "the task loop ended without being stopped"
                        : "the task loop died of " + fatal, Optional.ofNullable(fatal)));
            }
        }
    }

    /**
     * Handles one batch; false when the service is stopping. On a failure (a state not acknowledged,
     * a commit refused, the disk failing) every partition is rewound to its first record not yet
     * handled, and the exception propagates.
     */
    private boolean handle(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            rewind.put(tp, records.records(tp).get(0).offset());
        }
        Map<TopicPartition, OffsetAndMetadata> skipped = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            String where = record.topic() + "-" + record.partition() + "@" + record.offset();
            if (!replicaId.equals(record.key())) {
                // Another replica's task: no work, but the position is worth keeping.
                skipped.put(tp, new OffsetAndMetadata(record.offset() + 1));
                rewind.put(tp, record.offset() + 1);
                continue;
            }
            try {
                commit(skipped);
                skipped.clear();
                if (!handleOwn(record, where)) {
                    return false;
                }
                commit(Map.of(tp, new OffsetAndMetadata(record.offset() + 1)));
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                rewind.forEach(consumer::seek);
                throw e;
            }
            rewind.put(tp, record.offset() + 1);
        }
        commit(skipped);
        return true;
    }

    /** One record keyed to this replica; false when the task was abandoned because the service stops. */
    private boolean handleOwn(ConsumerRecord<String, byte[]> record, String where) {
        if (record.value() == null) {
            log.debug("replica {}: tombstone at {} skipped", replicaId, where);
            return true;
        }
        ReplicationTask task;
        try {
            task = Topics.REPLICATION_TASKS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            deadLetter(record, where, e.getMessage() == null ? e.toString() : e.getMessage());
            return true;
        }
        if (!task.replicaId().equals(replicaId)) {
            deadLetter(record, where, "the record is keyed to replica " + replicaId + " but the task names replica "
                    + task.replicaId());
            return true;
        }
        log.info("replica {} image {} task {}: received from {} (expectHave {}, steps to version {})", replicaId,
                task.image(), task.taskId(), where, task.expectHave(), task.target());
        TaskOutcome outcome = applier.apply(task);
        if (outcome == TaskOutcome.ABANDONED) {
            log.info("replica {} image {} task {}: abandoned as the service stops; {} stays uncommitted", replicaId,
                    task.image(), task.taskId(), where);
            return false;
        }
        return true;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String where, String reason) {
        log.warn("replica {}: record at {} (key {}) cannot be used and goes to {}: {}", replicaId, where, record.key(),
                Topics.DEAD_LETTERS.name(), reason);
        publisher.publishDeadLetter(record.key(), DeadLetter.of(record.topic(), record.partition(), record.offset(),
                record.value(), reason, "replica " + replicaId, clock.instant()));
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (!offsets.isEmpty()) {
            consumer.commit(Map.copyOf(offsets));
        }
    }

    /** Waits {@code delay}, or less when the consumer is closed meanwhile. */
    private synchronized void awaitClose(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        try {
            while (!closing) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the loop: the task in flight is aborted (its staging cleaned, its state published, its
     * offset left uncommitted), then the consumer leaves its group. Waits for the loop to end.
     */
    @Override
    public void close() {
        closing = true;
        applier.stop();
        consumer.wakeup();
        synchronized (this) {
            notifyAll();
        }
        if (!started) {
            // The loop never ran, so the consumer is closed here rather than by the loop.
            consumer.close(Duration.ofSeconds(5));
            return;
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("replica {}: the task consumer did not stop within 60 s", replicaId);
        }
    }
}
