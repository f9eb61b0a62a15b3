package org.icbd.rcs.planner.topology;

import java.util.List;
import org.icbd.rcs.planner.plan.Routing;
import org.icbd.rcs.topic.PairKey;

/**
 * The other replicas of a pair's image as routing needs them ({@link Routing.Peer}: site, liveness,
 * service, holdings, load). Asked only when a task is about to be issued, so that a review that
 * issues nothing costs no look at the other pairs.
 */
@FunctionalInterface
interface SitePeers {

    /** No other replica: every step goes to the master. */
    SitePeers NONE = pair -> List.of();

    /** Every other subscriber of {@code pair}'s image that serves (any site: routing filters). */
    List<Routing.Peer> around(PairKey pair);
}
