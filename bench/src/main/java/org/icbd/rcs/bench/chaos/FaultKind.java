package org.icbd.rcs.bench.chaos;

import java.util.Locale;

/** The faults {@code icbd chaos} draws from; each ends (a restart, a restored link, freed space) before convergence is timed. */
enum FaultKind {
    REPLICA_KILL, REPLICA_TERM, MASTER_KILL, MASTER_TERM, PLANNER_KILL, PLANNER_TERM, BROKER_KILL, BROKER_TERM,
    LINK_CUT, LINK_CRAWL, WIRE_CORRUPT, DISK_FULL;

    /** {@code replica-kill}, {@code link-cut}, ...: how the table names it. */
    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The fleet process the fault ends, or null for a link or disk fault. */
    String process() {
        return switch (this) {
            case MASTER_KILL, MASTER_TERM -> "master";
            case PLANNER_KILL, PLANNER_TERM -> "planner";
            case BROKER_KILL, BROKER_TERM -> "kafka";
            default -> null;
        };
    }

    boolean kill() {
        return name().endsWith("_KILL");
    }

    boolean brokerDown() {
        return this == BROKER_KILL || this == BROKER_TERM;
    }
}
