package org.icbd.rcs.transfer;

import java.util.Locale;

/**
 * How a step's stream bytes travel from the source to the replica. The request itself always goes
 * over SSH, which authenticates both ends and authorises it.
 *
 * <ul>
 *   <li>{@link #SSH}: on the SSH exec channel, encrypted (the default);
 *   <li>{@link #TCP}: on a plain TCP connection the source hands out for this one request (a port and
 *       a one-time token answered on the channel); not encrypted, for trusted networks only. The
 *       stream's integrity still comes from its SHA-256, checked by the replica before promotion.
 * </ul>
 */
public enum Transport {
    SSH("ssh"),
    TCP("tcp");

    private final String code;

    Transport(String code) {
        this.code = code;
    }

    /** The word in settings and, for {@link #TCP}, on the request line. */
    public String code() {
        return code;
    }

    /**
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Transport forCode(String code) {
        String c = code == null ? "" : code.strip().toLowerCase(Locale.ROOT);
        for (Transport t : values()) {
            if (t.code.equals(c)) {
                return t;
            }
        }
        throw new IllegalArgumentException("transport '" + code + "' is unknown: use ssh or tcp");
    }
}
