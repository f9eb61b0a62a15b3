package org.icbd.rcs.rate;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/** Writes through a {@link Throttle}, cutting large writes to the throttle's burst so they pass smoothly. */
public final class ThrottledOutputStream extends FilterOutputStream {

    private final Throttle throttle;

    public ThrottledOutputStream(OutputStream out, Throttle throttle) {
        super(Objects.requireNonNull(out, "out"));
        this.throttle = Objects.requireNonNull(throttle, "throttle");
    }

    @Override
    public void write(int b) throws IOException {
        pass(1);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int chunk = (int) Math.min(Integer.MAX_VALUE, throttle.burstBytes());
        while (len > 0) {
            int n = Math.min(len, chunk);
            pass(n);
            out.write(b, off, n);
            off += n;
            len -= n;
        }
    }

    private void pass(int n) throws IOException {
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
