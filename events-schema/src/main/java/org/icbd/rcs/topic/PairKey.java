package org.icbd.rcs.topic;

import org.icbd.rcs.events.Fields;

/**
 * The key {@code replicaId/image} of the per-pair topics. Unambiguous because neither part may
 * contain a slash.
 */
public record PairKey(String replicaId, String image) {

    public PairKey {
        Fields.name(replicaId, "replicaId");
        Fields.name(image, "image");
    }

    public static PairKey parse(String key) {
        int slash = key == null ? -1 : key.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("key '" + key + "' is not of the form replicaId/image");
        }
        return new PairKey(key.substring(0, slash), key.substring(slash + 1));
    }

    @Override
    public String toString() {
        return replicaId + "/" + image;
    }
}
