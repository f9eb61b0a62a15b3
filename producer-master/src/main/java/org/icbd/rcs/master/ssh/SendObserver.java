package org.icbd.rcs.master.ssh;

import org.icbd.rcs.events.Compression;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * Told how each transfer request to the send service ends, for the master's metrics. Called on the
 * send threads; an implementation must be cheap and thread-safe, and never throw.
 *
 * <p>Per request exactly one of: {@link #refused} (bad request, nothing ran), {@link #busy} (no
 * send slot came free in time), or {@link #started} followed by {@link #completed} or
 * {@link #failed}; {@link #served} in between as bytes reach the channel.
 */
public interface SendObserver {

    /** Tells nobody. */
    SendObserver NONE = new SendObserver() {
    };

    /** The request was refused before anything ran (unknown image or version, bad grammar). */
    default void refused() {
    }

    /** No send slot came free within the queue timeout, or the client gave up waiting. */
    default void busy() {
    }

    /** A slot is held and {@code btrfs send} is about to start. */
    default void started(TransferRequest request) {
    }

    /** {@code bytes} more reached the channel, encoded with {@code compression}. */
    default void served(Compression compression, long bytes) {
    }

    /** The stream ended whole and the channel ends with exit status 0. */
    default void completed(TransferRequest request) {
    }

    /** The started send did not end whole (btrfs failed, the stream broke, the client left). */
    default void failed(TransferRequest request) {
    }
}
