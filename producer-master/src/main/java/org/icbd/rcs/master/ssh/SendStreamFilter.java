package org.icbd.rcs.master.ssh;

import java.io.OutputStream;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * A test hook: wraps the bytes of a send on their way to the client, after LZ4 encoding, so that
 * tests can cut a connection after N bytes or corrupt a stream and watch the replica cope. Set only
 * when a {@link SendServer} is built programmatically; the service never has one.
 */
@FunctionalInterface
public interface SendStreamFilter {

    /**
     * @param wire    the channel's output; closing it ends the stream (EOF) for the client
     * @param context which request the stream answers, and a way to drop the whole connection
     * @return the stream the send writes to; {@code wire} itself to pass everything unchanged
     */
    OutputStream wrap(OutputStream wire, Context context);

    /**
     * @param request         the request being answered
     * @param client          user@address of the client
     * @param closeConnection closes the SSH session at once, as a broken network would
     */
    record Context(TransferRequest request, String client, Runnable closeConnection) {
    }
}
