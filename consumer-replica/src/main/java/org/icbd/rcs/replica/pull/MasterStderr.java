package org.icbd.rcs.replica.pull;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's stderr for one channel: one-line reasons, and "waiting for a send slot" lines while
 * it is busy. Each line is logged as it arrives; the last one is kept as the master's reason.
 * Written by the SSH I/O thread, read by the step: every access is synchronized.
 */
final class MasterStderr extends OutputStream {

    private static final Logger log = LoggerFactory.getLogger(MasterStderr.class);

    /** A longer line is cut: the master writes one-line reasons, not dumps. */
    private static final int MAX_LINE = 1024;

    private final String replicaId;
    private final TransferRequest request;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private String lastLine = "";

    MasterStderr(String replicaId, TransferRequest request) {
        this.replicaId = replicaId;
        this.request = request;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            endLine();
        } else if (line.size() < MAX_LINE) {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }

    @Override
    public synchronized void close() {
        if (line.size() > 0) {
            endLine();
        }
    }

    /** The master's last complete (or, once closed, last) line; empty if it wrote none. */
    synchronized String lastLine() {
        return line.size() > 0 ? line.toString(StandardCharsets.UTF_8).strip() : lastLine;
    }

    private void endLine() {
        String text = line.toString(StandardCharsets.UTF_8).strip();
        line.reset();
        if (!text.isEmpty()) {
            lastLine = text;
            log.info("replica {} image {} version {}: master says: {}", replicaId, request.image(),
                    request.version(), text);
        }
    }
}
