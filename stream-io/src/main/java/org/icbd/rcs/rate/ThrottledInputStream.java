package org.icbd.rcs.rate;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;

/**
 * Reads through a {@link Throttle}: each read asks for at most the throttle's burst and pays for
 * what it actually got, so the reader's pace (and, through TCP or SSH flow control, the sender's)
 * follows the rate.
 */
public final class ThrottledInputStream extends FilterInputStream {

    private final Throttle throttle;

    public ThrottledInputStream(InputStream in, Throttle throttle) {
        super(Objects.requireNonNull(in, "in"));
        this.throttle = Objects.requireNonNull(throttle, "throttle");
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            pass(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, (int) Math.min(len, throttle.burstBytes()));
        if (n > 0) {
            pass(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(Math.min(n, throttle.burstBytes()));
        if (skipped > 0) {
            pass(skipped);
        }
        return skipped;
    }

    private void pass(long n) throws IOException {
        try {
            throttle.acquire(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException("interrupted while rate-limited");
            ie.initCause(e);
            throw ie;
        }
    }
}
