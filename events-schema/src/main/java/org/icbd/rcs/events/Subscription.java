package org.icbd.rcs.events;

/**
 * A replica's wish to hold an image.
 *
 * @param keep how many of the newest versions it keeps on disk (at least 1: the newest is the next parent)
 */
public record Subscription(String image, int keep) {

    public Subscription {
        Fields.name(image, "subscriptions.image");
        if (keep < 1) {
            throw new IllegalArgumentException("subscriptions.keep for image " + image
                    + " must be at least 1, got " + keep);
        }
    }
}
