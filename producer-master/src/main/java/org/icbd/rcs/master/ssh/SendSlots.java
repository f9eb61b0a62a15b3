package org.icbd.rcs.master.ssh;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bound on concurrent sends: each {@code btrfs send} streaming to a client holds one slot.
 * Slots are handed out first come, first served (a fair semaphore), so a waiting request is never
 * overtaken by a later one.
 */
public final class SendSlots {

    private final int max;
    private final Semaphore semaphore;

    public SendSlots(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max concurrent sends must be at least 1, got " + max);
        }
        this.max = max;
        this.semaphore = new Semaphore(max, true);
    }

    public int max() {
        return max;
    }

    /** Slots held right now; a snapshot for messages, not a promise. */
    public int inUse() {
        return max - semaphore.availablePermits();
    }

    /** Requests waiting for a slot right now (an estimate, as the semaphore gives it); for the metrics. */
    public int waiting() {
        return semaphore.getQueueLength();
    }

    /** Takes a slot now if one is free and nobody waits for one. */
    public Optional<Slot> tryAcquire() {
        // tryAcquire() without a timeout barges even on a fair semaphore; a zero timeout keeps the queue order.
        try {
            return semaphore.tryAcquire(0, TimeUnit.NANOSECONDS) ? Optional.of(new Slot()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Waits up to {@code timeout} for a slot, in arrival order; empty if none came free in time. */
    public Optional<Slot> acquire(Duration timeout) throws InterruptedException {
        return semaphore.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS) ? Optional.of(new Slot()) : Optional.empty();
    }

    /** One held slot; closing it gives it back, once. */
    public final class Slot implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot() {
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                semaphore.release();
            }
        }
    }
}
