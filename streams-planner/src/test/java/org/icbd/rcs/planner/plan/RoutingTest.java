package org.icbd.rcs.planner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The routing rule, one row per case. The replica routed is {@code r} at site {@code s1}. Steps:
 * {@code full 3} or {@code 2->3}, comma-separated. Peers, separated by {@code ;}:
 * {@code <id>@<site>=<holdings> [max<n>] [feed<n>] [fetch<n>...] [failing] [offline]}, holdings in the
 * {@link CompactNotation} ({@code 3!}: a copy whose received_uuid is not the master's); no
 * {@code max} means the peer does not serve. Failed: {@code <peer>@<version>} or {@code -}.
 */
class RoutingTest {

    @ParameterizedTest(name = "{0} with peers {1}, failed {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # steps           | peers                                        | failed | routes
            # no peer: the master
            full 3            | -                                            | -      | full 3 from master
            2->3              | -                                            | -      | 2->3 from master
            # a serving peer of the site holding version and parent
            2->3              | a@s1=2,3 max2                                | -      | 2->3 from a
            full 3            | a@s1=3 max1                                  | -      | full 3 from a
            # it must hold both: the version, and a delta's parent
            2->3              | a@s1=3 max2                                  | -      | 2->3 from master
            2->3              | a@s1=2 max2                                  | -      | 2->3 from master
            # with the master's uuids
            2->3              | a@s1=2!,3 max2                               | -      | 2->3 from master
            2->3              | a@s1=2,3! max2                               | -      | 2->3 from master
            # never a peer that does not serve, is OFFLINE, or is at another site
            2->3              | a@s1=2,3                                     | -      | 2->3 from master
            2->3              | a@s1=2,3 max2 offline                        | -      | 2->3 from master
            2->3              | a@s2=2,3 max2                                | -      | 2->3 from master
            # never the replica itself
            2->3              | r@s1=2,3 max2                                | -      | 2->3 from master
            # a chain: each step on its own
            1->2, 2->3, 3->4  | a@s1=2,3 max2                                | -      | 1->2 from master, 2->3 from a, 3->4 from master
            full 2, 2->3      | a@s1=3,4 max2; b@s1=2 max1                   | -      | full 2 from b, 2->3 from master
            full 2, 2->3      | a@s1=2,3 max2; b@s1=2 max1                   | -      | full 2 from a, 2->3 from a
            # full to capacity: feeding as many downstreams as it may
            2->3              | a@s1=2,3 max2 feed2                          | -      | 2->3 from master
            2->3              | a@s1=2,3 max2 feed1                          | -      | 2->3 from a
            2->3              | a@s1=2,3 max2 feed2; b@s1=2,3 max1           | -      | 2->3 from b
            # the fewest downstreams first, then the smaller id
            2->3              | b@s1=2,3 max3 feed1; a@s1=2,3 max3 feed2     | -      | 2->3 from b
            2->3              | b@s1=2,3 max3; a@s1=2,3 max3                 | -      | 2->3 from a
            # a peer already serving this task is preferred: it costs no second downstream
            full 2, 2->3      | a@s1=2 max3; b@s1=2,3 max3 feed1             | -      | full 2 from a, 2->3 from b
            1->2, 2->3        | a@s1=1,2,3 max3 feed1; b@s1=2,3 max3         | -      | 1->2 from a, 2->3 from a
            # a step a peer failed goes to the master, and that peer serves nothing of the task
            2->3              | a@s1=2,3 max2                                | a@3    | 2->3 from master
            2->3, 3->4        | a@s1=2,3,4 max2                              | a@3    | 2->3 from master, 3->4 from master
            2->3, 3->4        | a@s1=2,3,4 max2; b@s1=2,3,4 max2             | a@3    | 2->3 from master, 3->4 from b
            2->3              | a@s1=2,3 max2; b@s1=2,3 max2                 | b@5    | 2->3 from a
            """)
    void routes(String steps, String peers, String failed, String expected) {
        List<Routing.Routed> routes = Routing.route("r", "s1", steps(steps), peers(peers), failure(failed));
        assertEquals(expected, Routing.render(routes));
    }

    @ParameterizedTest(name = "{0} with peers {1}, failed {2} -> wait for {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # steps           | peers                                        | failed | awaited
            # a peer of the site fetching the step's version, holding its parent: wait for it
            2->3              | a@s1=2 max2 fetch3                           | -      | a
            full 3            | a@s1=- max2 fetch3                           | -      | a
            2->3              | a@s1=- max2 fetch2 fetch3                    | -      | a
            # not when the parent is neither held nor fetched
            2->3              | a@s1=1 max2 fetch3                           | -      | -
            # not for a peer that cannot serve the replica anyway
            2->3              | a@s1=2 fetch3                                | -      | -
            2->3              | a@s1=2 max2 fetch3 offline                   | -      | -
            2->3              | a@s2=2 max2 fetch3                           | -      | -
            2->3              | r@s1=2 max2 fetch3                           | -      | -
            2->3              | a@s1=2 max2 feed2 fetch3                     | -      | -
            # nor for one whose last step failed, or that failed this replica's last step
            2->3              | a@s1=2 max2 fetch3 failing                   | -      | -
            2->3              | a@s1=2 max2 fetch3                           | a@3    | -
            2->3              | a@s1=2 max2 fetch3; b@s1=2 max2 fetch3       | b@2    | a
            # nor when the first step has a peer already, or it is the step a peer failed
            2->3              | a@s1=2,3 max2; b@s1=2 max2 fetch3            | -      | -
            2->3, 3->4        | a@s1=2 max2 fetch3; b@s1=2,3 max2            | b@3    | -
            # the fewest downstreams, then the smaller id
            2->3              | b@s1=2 max3 fetch3; a@s1=2 max3 feed1 fetch3 | -      | b
            2->3              | b@s1=2 max3 fetch3; a@s1=2 max3 fetch3       | -      | a
            """)
    void waits(String steps, String peers, String failed, String expected) {
        List<Routing.Peer> list = peers(peers);
        Optional<Routing.PeerFailure> failure = failure(failed);
        List<Routing.Routed> routes = Routing.route("r", "s1", steps(steps), list, failure);
        assertEquals(expected, Routing.awaited("r", "s1", routes, list, failure).orElse("-"));
    }

    @ParameterizedTest(name = "{0} with peers {1} -> issue {2} now")
    @CsvSource(delimiter = '|', textBlock = """
            # steps                  | peers                          | issuable
            full 1, 1->2, 2->3       | a@s1=1 max2 fetch2 fetch3      | 1
            full 1, 1->2, 2->3       | a@s1=- max2 fetch1             | 0
            full 1, 1->2, 2->3       | a@s1=1,2,3 max2                | 3
            full 1, 1->2, 2->3       | -                              | 3
            full 1, 1->2, 2->3       | a@s1=1 max2 fetch3             | 3
            """)
    void issuesTheStepsBeforeTheFirstOneAPeerIsFetching(String steps, String peers, int expected) {
        List<Routing.Peer> list = peers(peers);
        List<Routing.Routed> routes = Routing.route("r", "s1", steps(steps), list, Optional.empty());
        assertEquals(expected, Routing.issuable("r", "s1", routes, list, Optional.empty()));
    }

    @Test
    void noStepsNoRoutes() {
        assertEquals(List.of(), Routing.route("r", "s1", List.of(), peers("a@s1=1 max1"), Optional.empty()));
    }

    @Test
    void aPeerListedTwiceIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Routing.route("r", "s1", steps("1->2"), peers("a@s1=1,2 max1; a@s1=1 max1"), Optional.empty()));
        assertEquals("peers must not repeat a replica, but a appears twice", e.getMessage());
    }

    @Test
    void theMasterIsNoPeerThatCanFail() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Routing.PeerFailure(Routing.MASTER, 3));
        assertEquals("replicaId must name a peer, not the master", e.getMessage());
    }

    @Test
    void aServingPeerFeedsAtLeastOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Routing.Peer("a", "s1",
                true, OptionalInt.of(0), 0, ReplicaHoldings.NONE));
        assertEquals("maxDownstreams must be >= 1 when present, was 0", e.getMessage());
    }

    static List<Step> steps(String text) {
        List<Step> steps = new ArrayList<>();
        for (String s : text.split(",")) {
            String step = s.strip();
            if (step.startsWith("full ")) {
                int v = Integer.parseInt(step.substring(5));
                steps.add(new Step.Full(v, CompactNotation.syntheticUuid(v)));
            } else {
                String[] ends = step.split("->");
                int p = Integer.parseInt(ends[0]);
                int v = Integer.parseInt(ends[1]);
                steps.add(new Step.Delta(p, CompactNotation.syntheticUuid(p), v, CompactNotation.syntheticUuid(v)));
            }
        }
        return steps;
    }

    static List<Routing.Peer> peers(String text) {
        List<Routing.Peer> peers = new ArrayList<>();
        if (text.strip().equals("-")) {
            return peers;
        }
        for (String spec : text.split(";")) {
            String[] words = spec.strip().split("\\s+");
            String id = words[0].substring(0, words[0].indexOf('@'));
            String site = words[0].substring(words[0].indexOf('@') + 1, words[0].indexOf('='));
            ReplicaHoldings holdings = CompactNotation.parseHoldings(words[0].substring(words[0].indexOf('=') + 1));
            OptionalInt max = OptionalInt.empty();
            int feeding = 0;
            boolean online = true;
            boolean failing = false;
            java.util.Set<Integer> fetching = new java.util.TreeSet<>();
            for (int i = 1; i < words.length; i++) {
                if (words[i].startsWith("max")) {
                    max = OptionalInt.of(Integer.parseInt(words[i].substring(3)));
                } else if (words[i].startsWith("feed")) {
                    feeding = Integer.parseInt(words[i].substring(4));
                } else if (words[i].startsWith("fetch")) {
                    fetching.add(Integer.parseInt(words[i].substring(5)));
                } else if (words[i].equals("failing")) {
                    failing = true;
                } else if (words[i].equals("offline")) {
                    online = false;
                } else {
                    throw new IllegalArgumentException("unknown peer attribute " + words[i]);
                }
            }
            peers.add(new Routing.Peer(id, site, online, max, feeding, holdings, fetching, failing));
        }
        return peers;
    }

    static Optional<Routing.PeerFailure> failure(String text) {
        if (text.strip().equals("-")) {
            return Optional.empty();
        }
        String[] parts = text.strip().split("@");
        return Optional.of(new Routing.PeerFailure(parts[0], Integer.parseInt(parts[1])));
    }
}
