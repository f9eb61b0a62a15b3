package org.icbd.rcs.master.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * One image in {@code GET /images}.
 *
 * @param latest the newest version on disk; null when the image has none yet
 */
@Serdeable
public record ImageSummary(String name, int versions, @Nullable Integer latest) {
}
