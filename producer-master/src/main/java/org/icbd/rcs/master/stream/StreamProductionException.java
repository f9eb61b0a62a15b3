package org.icbd.rcs.master.stream;

import java.io.IOException;

/**
 * Production of a stored stream failed (btrfs send failed, the pool filled up, the store closed):
 * every reader of it gets this, with the production's failure as cause. The stored bytes are gone.
 */
public final class StreamProductionException extends IOException {

    private static final long serialVersionUID = 1L;

    public StreamProductionException(StreamKey key, Throwable cause) {
        super("producing the stream of " + key + " failed: " + (cause == null ? "?" : cause.getMessage()), cause);
    }
}
