package org.icbd.rcs.replica.step;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs something at a steady cadence while one transfer is in flight: the progress report, the
 * stall check.
 *
 * <p>Invariant: once {@link #close()} returns, no tick runs or will run. The step's final state is
 * published after that, so a late progress record can never overtake it on the topic.
 */
final class Ticker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ticker.class);

    private final Object lock = new Object();
    private final Runnable tick;
    private final ScheduledFuture<?> future;
    private boolean closed;

    Ticker(ScheduledExecutorService timer, Duration interval, Runnable tick) {
        this.tick = tick;
        long millis = interval.toMillis();
        this.future = timer.scheduleAtFixedRate(this::run, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void run() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                tick.run();
            } catch (RuntimeException e) {
                // A scheduled task that throws is never run again; one bad tick must not end them all.
                log.warn("a periodic task of a transfer failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        future.cancel(false);
        synchronized (lock) {
            closed = true;
        }
    }
}
