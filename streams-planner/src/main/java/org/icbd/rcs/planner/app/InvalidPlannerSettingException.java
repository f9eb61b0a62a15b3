package org.icbd.rcs.planner.app;

/**
 * A setting the planner cannot start with. The message begins with the setting's full name
 * ({@code icbd.planner.stall-deadline: ...}) so that an operator knows what to fix.
 */
public final class InvalidPlannerSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String setting;
    private final String problem;

    /**
     * @param problem what is wrong, starting with the setting's short name as the command line's
     *                flag spells it ({@code stall-deadline must be positive...})
     */
    public InvalidPlannerSettingException(String setting, String problem, Throwable cause) {
        super(setting + ": " + problem, cause);
        this.setting = setting;
        this.problem = problem;
    }

    /** The full name of the offending setting, e.g. {@code icbd.planner.kafka.bootstrap-servers}. */
    public String setting() {
        return setting;
    }

    /** What is wrong, without the full name. */
    public String problem() {
        return problem;
    }
}
