package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where each step of a plan is pulled from: the master, or a site peer, a replica of the same site
 * that holds what the step needs and serves it. Pure: no I/O, no clock, no state; the same inputs
 * give the same routes, whatever the order of the peers.
 *
 * <h2>Rules</h2>
 * A step of the plan of replica {@code r} at site {@code s} goes to a peer {@code p} iff
 * <ol>
 *   <li>{@code p} is not {@code r}, is at site {@code s} (a site's replicas share a LAN; routing
 *       never crosses sites), is online, and serves ({@link Peer#maxDownstreams()} present);</li>
 *   <li>{@code p} holds the step's version with the master's uuid and, for a delta, its parent with
 *       the master's uuid (a full step needs only the version). Each step of a chain is routed on
 *       its own: a peer that lacks a chain's first parent may still serve its later steps;</li>
 *   <li>{@code p} has room: it already serves an earlier step of this task (one downstream, however
 *       many steps), or it feeds fewer than its {@code maxDownstreams} other downstreams;</li>
 *   <li>{@code p} did not fail this replica's last step ({@link PeerFailure}): a peer that failed
 *       serves nothing of the next task, and the failed step itself goes to the master.</li>
 * </ol>
 * Among the peers that qualify: the one already serving this task, then the one feeding the fewest
 * downstreams, then the smallest id. A step no peer qualifies for goes to the {@link #MASTER}.
 *
 * <h2>Waiting for a peer</h2>
 * When a new version reaches a site, one replica fetches it from the master and the others should
 * get it from that replica, so that the master's uplink carries each step once per site.
 * {@link #awaited} says when a step is better not issued yet: it would come from the master, and a
 * peer that would qualify for it but for not holding it yet is fetching it now (its outstanding task
 * brings the step's version, and a delta's parent is held or fetched too), and its own last step did
 * not fail. A task then carries only the steps before it ({@link #issuable}); none: the replica waits. The replica is planned again when that peer's holdings,
 * liveness or last step change; a peer that goes OFFLINE, fails or stops serving is waited for no
 * more.
 */
public final class Routing {

    /** The master's source id (the events' {@code Sources.MASTER}). */
    public static final String MASTER = "master";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private Routing() {
    }

    /**
     * A replica of the same image that might serve others.
     *
     * @param replicaId      its id
     * @param site           its site
     * @param online         false while the planner judges it OFFLINE
     * @param maxDownstreams how many downstreams it feeds at once; empty: it does not serve
     * @param feeding        how many other replicas' outstanding tasks name it for a step they have not
     *                       completed (the replica being routed excluded)
     * @param holdings       what it holds of the image, as it last reported
     * @param fetching       the versions its own outstanding task brings that it does not hold yet
     * @param failing        its own last step failed
     */
    public record Peer(String replicaId, String site, boolean online, OptionalInt maxDownstreams, int feeding,
                       ReplicaHoldings holdings, Set<Integer> fetching, boolean failing) {

        /** A peer fetching nothing, whose last step did not fail. */
        public Peer(String replicaId, String site, boolean online, OptionalInt maxDownstreams, int feeding,
                    ReplicaHoldings holdings) {
            this(replicaId, site, online, maxDownstreams, feeding, holdings, Set.of(), false);
        }

        /** Validates every field; messages name the field. */
        public Peer {
            requireName(replicaId, "replicaId");
            requireName(site, "site");
            Objects.requireNonNull(maxDownstreams, "maxDownstreams must not be null");
            if (maxDownstreams.isPresent() && maxDownstreams.getAsInt() < 1) {
                throw new IllegalArgumentException("maxDownstreams must be >= 1 when present, was "
                        + maxDownstreams.getAsInt());
            }
            if (feeding < 0) {
                throw new IllegalArgumentException("feeding must not be negative, was " + feeding);
            }
            Objects.requireNonNull(holdings, "holdings must not be null");
            fetching = Set.copyOf(Objects.requireNonNull(fetching, "fetching must not be null"));
        }

        /** True iff this peer holds {@code version} as the master's snapshot {@code uuid}. */
        boolean holds(int version, SnapshotUuid uuid) {
            return holdings.find(version).map(h -> h.receivedUuid().equals(uuid)).orElse(false);
        }

        /** True iff this peer holds what {@code step} needs: its version and, for a delta, its parent. */
        public boolean holdsFor(Step step) {
            if (!holds(step.version(), step.uuid())) {
                return false;
            }
            return !(step instanceof Step.Delta d) || holds(d.parentVersion(), d.parentUuid());
        }
    }

    /**
     * The replica's last step failed while pulled from peer {@code replicaId}.
     *
     * @param version the version that step sent
     */
    public record PeerFailure(String replicaId, int version) {

        /** Validates every field; messages name the field. */
        public PeerFailure {
            requireName(replicaId, "replicaId");
            if (replicaId.equals(MASTER)) {
                throw new IllegalArgumentException("replicaId must name a peer, not the master");
            }
            if (version <= 0) {
                throw new IllegalArgumentException("version must be > 0, was " + version);
            }
        }
    }

    /**
     * A step and where it is pulled from.
     *
     * @param source {@link #MASTER} or a peer's replica id
     */
    public record Routed(Step step, String source) {

        /** Validates every field; messages name the field. */
        public Routed {
            Objects.requireNonNull(step, "step must not be null");
            requireName(source, "source");
        }

        /** True iff the step is pulled from the master. */
        public boolean fromMaster() {
            return source.equals(MASTER);
        }

        /** {@code 2->3 from lab-1-a}, {@code full 3 from master}. */
        public String render() {
            return step.render() + " from " + source;
        }
    }

    /**
     * Routes each step of {@code steps}, the plan of replica {@code replicaId} at {@code site}.
     *
     * @param peers  the other replicas of the image, any site, in any order (the replica itself, if
     *               listed, is never chosen)
     * @param failed the peer that failed the replica's last step, if it did
     * @return one route per step, in the steps' order
     * @throws IllegalArgumentException when two peers share an id
     */
    public static List<Routed> route(String replicaId, String site, List<Step> steps, List<Peer> peers,
                                     Optional<PeerFailure> failed) {
        requireName(replicaId, "replicaId");
        requireName(site, "site");
        Objects.requireNonNull(steps, "steps must not be null");
        Objects.requireNonNull(failed, "failed must not be null");
        Set<String> ids = new HashSet<>();
        List<Peer> candidates = new ArrayList<>();
        for (Peer p : peers) {
            if (!ids.add(p.replicaId())) {
                throw new IllegalArgumentException("peers must not repeat a replica, but " + p.replicaId()
                        + " appears twice");
            }
            boolean failedLast = failed.map(f -> f.replicaId().equals(p.replicaId())).orElse(false);
            if (!p.replicaId().equals(replicaId) && p.site().equals(site) && p.online()
                    && p.maxDownstreams().isPresent() && !failedLast) {
                candidates.add(p);
            }
        }
        Set<String> serving = new HashSet<>();
        List<Routed> routes = new ArrayList<>(steps.size());
        for (Step step : steps) {
            boolean failedStep = failed.map(f -> f.version() == step.version()).orElse(false);
            Optional<Peer> chosen = failedStep ? Optional.empty() : candidates.stream()
                    .filter(p -> p.holdsFor(step))
                    .filter(p -> serving.contains(p.replicaId()) || p.feeding() < p.maxDownstreams().getAsInt())
                    .min(Comparator.comparing((Peer p) -> !serving.contains(p.replicaId()))
                            .thenComparingInt(Peer::feeding)
                            .thenComparing(Peer::replicaId));
            chosen.ifPresent(p -> serving.add(p.replicaId()));
            routes.add(new Routed(step, chosen.map(Peer::replicaId).orElse(MASTER)));
        }
        return List.copyOf(routes);
    }

    /**
     * The peer to wait for instead of issuing {@code routes} now (see the class comment), if any:
     * among those that qualify, the one feeding the fewest downstreams, then the smallest id.
     *
     * @param routes what {@link #route} gave for the same replica, peers and failure
     */
    public static Optional<String> awaited(String replicaId, String site, List<Routed> routes, List<Peer> peers,
                                           Optional<PeerFailure> failed) {
        return routes.isEmpty() ? Optional.empty() : awaited(replicaId, site, routes.get(0), peers, failed);
    }

    /**
     * The peer to wait for instead of pulling {@code route}'s step from the master, if any: among the
     * peers that qualify (see the class comment), the one feeding the fewest downstreams, then the
     * smallest id. Empty when the step comes from a peer already, or is the step a peer failed.
     */
    public static Optional<String> awaited(String replicaId, String site, Routed route, List<Peer> peers,
                                           Optional<PeerFailure> failed) {
        if (!route.fromMaster()) {
            return Optional.empty();
        }
        Step step = route.step();
        if (failed.map(f -> f.version() == step.version()).orElse(false)) {
            return Optional.empty();
        }
        return peers.stream()
                .filter(p -> !p.replicaId().equals(replicaId) && p.site().equals(site) && p.online()
                        && p.maxDownstreams().isPresent() && p.feeding() < p.maxDownstreams().getAsInt()
                        && !p.failing() && failed.map(f -> !f.replicaId().equals(p.replicaId())).orElse(true))
                .filter(p -> p.fetching().contains(step.version()) && (!(step instanceof Step.Delta d)
                        || p.holds(d.parentVersion(), d.parentUuid()) || p.fetching().contains(d.parentVersion())))
                .min(Comparator.comparingInt(Peer::feeding).thenComparing(Peer::replicaId))
                .map(Peer::replicaId);
    }

    /**
     * How many of {@code routes}, from the first, to issue now: up to the first step that would come
     * from the master while a peer of the site fetches it ({@link #awaited}); the rest follows in a
     * later task, from that peer once it holds the step. 0: wait; {@code routes.size()}: all.
     */
    public static int issuable(String replicaId, String site, List<Routed> routes, List<Peer> peers,
                               Optional<PeerFailure> failed) {
        for (int i = 0; i < routes.size(); i++) {
            if (awaited(replicaId, site, routes.get(i), peers, failed).isPresent()) {
                return i;
            }
        }
        return routes.size();
    }

    /** The routes, comma-separated ({@code full 3 from master, 3->4 from lab-1-a}), or {@code none}. */
    public static String render(List<Routed> routes) {
        return routes.isEmpty() ? "none" : String.join(", ", routes.stream().map(Routed::render).toList());
    }

    private static void requireName(String value, String field) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match " + NAME.pattern() + ", was " + value);
        }
    }
}
