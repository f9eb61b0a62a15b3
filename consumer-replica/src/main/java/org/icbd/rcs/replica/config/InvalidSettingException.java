package org.icbd.rcs.replica.config;

/**
 * A setting the replica cannot start with. The message begins with the setting's full name
 * ({@code icbd.replica.pool: ...}) so that an operator knows what to fix.
 */
public final class InvalidSettingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String setting;

    public InvalidSettingException(String setting, String problem) {
        this(setting, problem, null);
    }

    public InvalidSettingException(String setting, String problem, Throwable cause) {
        super(setting + ": " + problem, cause);
        this.setting = setting;
    }

    /** The full name of the offending setting, e.g. {@code icbd.replica.master.host-key-file}. */
    public String setting() {
        return setting;
    }
}
