package org.icbd.rcs.master.ssh;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where send streams come from: in the service, {@code btrfs send} through {@code BtrfsTool::send}.
 * The returned stream must be read to its end and then closed; its {@code close()} throws (a
 * {@code CommandFailedException} carrying btrfs's exit status and stderr) when the send failed, so
 * only a stream whose close returned normally is whole. Closing it early abandons the send.
 */
@FunctionalInterface
public interface SendStreamSource {

    /**
     * @param snapshot a read-only snapshot, already checked
     * @param parent   an older read-only snapshot of the same image for a delta, already checked
     */
    InputStream open(Path snapshot, Optional<Path> parent);
}
