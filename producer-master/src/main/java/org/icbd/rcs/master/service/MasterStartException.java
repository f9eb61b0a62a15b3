package org.icbd.rcs.master.service;

/** The master service refused to start; the message names the setting or resource at fault. */
public final class MasterStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MasterStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
