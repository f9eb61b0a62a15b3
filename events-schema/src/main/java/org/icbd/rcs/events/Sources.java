package org.icbd.rcs.events;

import java.util.Optional;

/**
 * Names of the sources a step is pulled from: {@link #MASTER}, or the id of a replica of the same
 * site that serves ({@link PeerService}). A step names its source by id, never by address: the
 * replica looks the id up in its own list of trusted sources.
 */
public final class Sources {

    /** The master's source id; a step without a source is pulled from the master. */
    public static final String MASTER = "master";

    private Sources() {
    }

    /** A step's source as read: the master when absent. */
    public static String orMaster(Optional<String> source) {
        return source.orElse(MASTER);
    }

    /** True for the master's id or an absent source. */
    public static boolean isMaster(Optional<String> source) {
        return source.isEmpty() || source.get().equals(MASTER);
    }
}
