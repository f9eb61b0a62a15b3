package org.icbd.rcs.replica.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.topic.Topics;

/**
 * The task loop's consumer over one in-memory partition: a log of records, a position that polls
 * advance and seeks move, and the committed offset. {@link #failPolls} makes polls throw.
 */
final class MemoryTaskSource implements TaskSource {

    static final TopicPartition PARTITION = new TopicPartition(Topics.REPLICATION_TASKS.name(), 0);

    private final List<ConsumerRecord<String, byte[]>> log = new ArrayList<>();
    private long position;
    private Optional<Long> committed = Optional.empty();
    private boolean wakeup;
    private boolean closed;
    private RuntimeException pollFailure;

    /** Appends a task keyed to its replica. */
    synchronized void append(ReplicationTask task) {
        byte[] value = Topics.REPLICATION_TASKS.valueSerde().serializer().serialize(PARTITION.topic(), task);
        log.add(new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), log.size(), task.replicaId(), value));
        notifyAll();
    }

    /** Every later poll throws {@code failure}, as a fenced or unauthorised consumer does. */
    synchronized void failPolls(RuntimeException failure) {
        pollFailure = failure;
        notifyAll();
    }

    synchronized Optional<Long> committed() {
        return committed;
    }

    synchronized boolean closed() {
        return closed;
    }

    @Override
    public void subscribe() {
    }

    @Override
    public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (wakeup) {
                wakeup = false;
                throw new WakeupException();
            }
            if (pollFailure != null) {
                throw pollFailure;
            }
            if (position < log.size()) {
                List<ConsumerRecord<String, byte[]>> batch = List.copyOf(log.subList((int) position, log.size()));
                position = log.size();
                return new ConsumerRecords<>(Map.of(PARTITION, batch), Map.of());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return new ConsumerRecords<>(Map.of(), Map.of());
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }
    }

    @Override
    public synchronized void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> copy = new HashMap<>(offsets);
        OffsetAndMetadata offset = copy.remove(PARTITION);
        if (!copy.isEmpty()) {
            throw new IllegalArgumentException("no such partitions: " + copy.keySet());
        }
        if (offset != null) {
            committed = Optional.of(offset.offset());
        }
    }

    @Override
    public synchronized void seek(TopicPartition partition, long offset) {
        if (!partition.equals(PARTITION)) {
            throw new IllegalArgumentException("no such partition: " + partition);
        }
        position = offset;
    }

    @Override
    public synchronized void wakeup() {
        wakeup = true;
        notifyAll();
    }

    @Override
    public synchronized void close(Duration timeout) {
        closed = true;
    }
}
