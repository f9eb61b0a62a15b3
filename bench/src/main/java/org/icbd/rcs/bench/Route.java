package org.icbd.rcs.bench;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The groups of cases a bench run can measure ({@code --cases raw,loopback,link,fanout,resume,cap,openssh,btrbk}).
 */
public enum Route {
    /** {@code btrfs send | btrfs receive} on this host: the ceiling without a network. */
    RAW,
    /** The system: master and replica JVMs, SSH over the loopback interface. */
    LOOPBACK,
    /** The system over a veth pair between two network namespaces, shaped by a token bucket. */
    LINK,
    /** Four replica JVMs pulling the same delta at once on loopback, against one: the master's CPU per GB. */
    FANOUT,
    /** A full step whose link is cut at half its bytes, resumed, against the same step uncut. */
    RESUME,
    /** A step pulled under the replica's {@code icbd.replica.max-pull-rate}: the achieved rate against the cap. */
    CAP,
    /**
     * A peer: {@code btrfs send | ssh -c aes128-gcm@openssh.com ... btrfs receive} against a private
     * {@code sshd} on loopback.
     */
    OPENSSH,
    /** A peer: Debian's {@code btrbk run} to {@code ssh://} the replica pool, plain and with {@code stream_compress lz4}. */
    BTRBK;

    /** Every case group, as {@code --cases} spells them. */
    public static final String ALL = "raw, loopback, link, fanout, resume, cap, openssh, btrbk";

    /** Whether the case runs the system (master and replica JVMs) rather than btrfs alone or a peer. */
    public boolean isSystem() {
        return this != RAW && this != OPENSSH && this != BTRBK;
    }

    /** Whether the case runs a peer through the bench's private {@code sshd}. */
    public boolean isPeer() {
        return this == OPENSSH || this == BTRBK;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a comma-separated list such as {@code raw,loopback}. */
    public static Set<Route> parseList(String text) {
        Set<Route> routes = EnumSet.noneOf(Route.class);
        for (String word : text.split(",")) {
            String w = word.strip().toUpperCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            try {
                routes.add(Route.valueOf(w));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--cases: '" + word.strip() + "' is not one of " + ALL);
            }
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("--cases names no case: give some of " + ALL);
        }
        return routes;
    }
}
