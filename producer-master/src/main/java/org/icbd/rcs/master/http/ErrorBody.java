package org.icbd.rcs.master.http;

import io.micronaut.serde.annotation.Serdeable;

/** The body of every error answer: one message saying what was wrong. */
@Serdeable
public record ErrorBody(String error) {
}
