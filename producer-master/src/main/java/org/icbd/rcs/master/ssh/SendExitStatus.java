package org.icbd.rcs.master.ssh;

/**
 * The exit statuses the send service ends an SSH channel with. A client reads them as:
 *
 * <ul>
 *   <li>{@value #OK}: the stream is complete;
 *   <li>{@value #REFUSED}: the request was refused (not a transfer request, a bad name, an unknown
 *       image or version, a parent that is not an older snapshot of the same image); nothing ran.
 *       Permanent: repeating the same request gets the same answer;
 *   <li>{@value #BUSY}: every send slot stayed in use for the whole queue timeout; nothing ran.
 *       Temporary: retry later;
 *   <li>{@value #MASTER_FAILED}: the master could not run or finish the send for a reason of its
 *       own (btrfs could not be started, it did not exit, the stream could not be encoded or stored,
 *       the stored stream was found damaged on disk and dropped); the stream is incomplete.
 *       Temporary;
 *   <li>{@value #STREAM_REFUSED}: the {@code offset} of an {@code icbd-send/1} was refused: it is
 *       past the end of the step's stream, or the stream is no longer stored (evicted, retired, or
 *       the master restarted while producing it); nothing was sent. Request the step again from
 *       offset 0 (which produces it anew if needed);
 *   <li>anything else: {@code btrfs send} failed with that status (it uses 1); the stream is
 *       incomplete and stderr carries btrfs's last line.
 * </ul>
 */
public final class SendExitStatus {

    public static final int OK = 0;
    public static final int REFUSED = 2;
    public static final int BUSY = 3;
    public static final int MASTER_FAILED = 4;
    public static final int STREAM_REFUSED = 5;

    private SendExitStatus() {
    }
}
