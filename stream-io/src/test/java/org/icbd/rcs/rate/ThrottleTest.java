package org.icbd.rcs.rate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    /** A clock that only moves when someone sleeps. */
    static final class FakeTime {
        long now = 1_000_000_000L;

        Throttle throttle(long rate, long burst) {
            return new Throttle(rate, burst, () -> now, nanos -> now += nanos);
        }
    }

    /**
     * Whatever the write sizes and pauses: by any moment t, at most burst + rate * t has passed; and a
     * writer that never pauses gets the rate.
     */
    @Property(tries = 300)
    void neverMoreThanTheRateAndABurstAndTheRateWhenBusy(
            @ForAll @LongRange(min = 1_000, max = 2_000_000_000L) long rate,
            @ForAll @Size(min = 1, max = 300) List<@IntRange(min = 1, max = 300_000) Integer> writes,
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 50) Integer> pausesMillis) throws Exception {
        FakeTime time = new FakeTime();
        long burst = Throttle.defaultBurst(rate);
        Throttle throttle = time.throttle(rate, burst);
        long start = time.now;
        long passed = 0;
        long paused = 0;
        for (int i = 0; i < writes.size(); i++) {
            int size = (int) Math.min(writes.get(i), burst);
            throttle.acquire(size);
            passed += size;
            double elapsedSeconds = (time.now - start) / 1e9;
            assertTrue(passed <= burst + rate * elapsedSeconds + 1,
                    () -> "too many bytes passed: rate " + rate + ", burst " + burst);
            if (i < pausesMillis.size()) {
                long pause = pausesMillis.get(i) * 1_000_000L;
                time.now += pause;
                paused += pause;
            }
        }
        double busySeconds = (time.now - start - paused) / 1e9;
        // With no pauses the elapsed time is what the bytes cost at the rate, less at most one burst.
        if (paused == 0) {
            assertTrue(passed <= rate * busySeconds + 2 * burst + 1);
            assertTrue(passed >= rate * busySeconds - 1, () -> "the rate was not reached");
        }
    }

    @Test
    void aPauseEarnsNoMoreThanOneBurst() throws Exception {
        FakeTime time = new FakeTime();
        Throttle throttle = time.throttle(1_000_000, 50_000);
        time.now += 60_000_000_000L;
        long before = time.now;
        throttle.acquire(50_000);
        assertEquals(before, time.now, "one burst passes at once after a pause");
        throttle.acquire(50_000);
        assertEquals(before + 50_000_000, time.now, "the next one waits for its time at the rate");
    }

    @Test
    void concurrentWritersShareTheRate() throws Exception {
        FakeTime time = new FakeTime();
        Throttle throttle = time.throttle(1_000_000, 10_000);
        long start = time.now;
        // Interleaved grants of two writers, as two threads would take them.
        for (int i = 0; i < 100; i++) {
            throttle.acquire(10_000);
            throttle.acquire(10_000);
        }
        assertTrue(time.now - start >= 1_990_000_000L, "2 MB at 1 MB/s take two seconds, less one burst");
    }

    @Test
    void streamsPassEveryByteInChunksOfTheBurst() throws IOException {
        FakeTime time = new FakeTime();
        Throttle throttle = time.throttle(100_000, 1_000);
        byte[] bytes = new byte[12_345];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        List<Integer> sizes = new ArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = new ThrottledOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sizes.add(len);
                sink.write(b, off, len);
            }
        }, throttle)) {
            out.write(bytes);
        }
        assertArrayEquals(bytes, sink.toByteArray());
        assertTrue(sizes.stream().allMatch(n -> n <= 1_000), sizes::toString);
        assertArrayEquals(bytes, new ThrottledInputStream(new ByteArrayInputStream(bytes), throttle).readAllBytes());
    }

    @Test
    void nonsenseRatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Throttle(0));
        assertThrows(IllegalArgumentException.class, () -> new Throttle(-5));
    }
}
