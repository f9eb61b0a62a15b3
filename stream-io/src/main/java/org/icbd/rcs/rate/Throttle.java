package org.icbd.rcs.rate;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A smooth byte-rate limit shared by any number of threads: a token bucket holding at most
 * {@link #burstBytes()} (a few milliseconds' worth at the rate), so that what passes is spread
 * evenly over time instead of arriving in second-long bursts followed by silence.
 *
 * <p>Kept as a theoretical arrival time (the generic cell rate algorithm): each grant of n bytes
 * moves it n/rate later; a caller waits until the arrival time is within the burst tolerance of
 * now. So over any interval of length t at most {@code burstBytes + rate * t} bytes pass, and a
 * stream that keeps asking gets the rate exactly, however its writes are sized.
 * Waiting callers are served in the order they asked.
 */
public final class Throttle {

    /** How much time's worth of bytes may pass at once: small enough to be smooth on any link. */
    public static final Duration DEFAULT_BURST_TIME = Duration.ofMillis(20);
    /** The burst never drops below one typical write, so small rates still move whole packets. */
    public static final long MIN_BURST_BYTES = 32 * 1024;

    private final long bytesPerSecond;
    private final long burstBytes;
    private final long burstNanos;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    /** When the bytes granted so far would all have passed at the rate; guarded by this. */
    private long arrivalNanos;

    /** Waits for a number of nanoseconds; the real one sleeps, tests advance a fake clock. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    /** A limit of {@code bytesPerSecond} with the default burst, on the system clock. */
    public Throttle(long bytesPerSecond) {
        this(bytesPerSecond, defaultBurst(bytesPerSecond), System::nanoTime, TimeUnit.NANOSECONDS::sleep);
    }

    public Throttle(long bytesPerSecond, long burstBytes, LongSupplier nanoClock, Sleeper sleeper) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("a rate limit must be at least 1 byte/s, got " + bytesPerSecond);
        }
        if (burstBytes < 1) {
            throw new IllegalArgumentException("a burst must be at least 1 byte, got " + burstBytes);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.burstNanos = nanosFor(burstBytes);
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.arrivalNanos = nanoClock.getAsLong();
    }

    /** {@link #DEFAULT_BURST_TIME} at the rate, at least {@link #MIN_BURST_BYTES}. */
    public static long defaultBurst(long bytesPerSecond) {
        long burst = (long) ((double) bytesPerSecond * DEFAULT_BURST_TIME.toNanos() / 1e9);
        return Math.max(MIN_BURST_BYTES, burst);
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** The largest grant worth asking for at once: writers cut their writes to this size. */
    public long burstBytes() {
        return burstBytes;
    }

    /**
     * Waits until {@code bytes} may pass. A grant larger than the burst is allowed (it waits for the
     * time the excess costs) but passes as one lump: callers that want smoothness ask for at most
     * {@link #burstBytes()} at a time.
     */
    public void acquire(long bytes) throws InterruptedException {
        if (bytes <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            // Idle time earns nothing beyond a full bucket: a stream that paused does not get to flood.
            long start = Math.max(arrivalNanos, now);
            arrivalNanos = start + nanosFor(bytes);
            // The grant passes once it fits in the bucket: its arrival is within the burst of now.
            waitNanos = arrivalNanos - burstNanos - now;
        }
        if (waitNanos > 0) {
            sleeper.sleepNanos(waitNanos);
        }
    }

    private long nanosFor(long bytes) {
        return (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
    }

    @Override
    public String toString() {
        return bytesPerSecond + " B/s (burst " + burstBytes + " B)";
    }
}
