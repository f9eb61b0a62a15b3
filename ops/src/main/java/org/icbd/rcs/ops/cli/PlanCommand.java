package org.icbd.rcs.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.icbd.rcs.planner.plan.CompactNotation;
import org.icbd.rcs.planner.plan.Conflict;
import org.icbd.rcs.planner.plan.ImageHistory;
import org.icbd.rcs.planner.plan.Plan;
import org.icbd.rcs.planner.plan.PlanResult;
import org.icbd.rcs.planner.plan.Planner;
import org.icbd.rcs.planner.plan.ReplicaHolding;
import org.icbd.rcs.planner.plan.ReplicaHoldings;
import org.icbd.rcs.planner.plan.Step;
import org.icbd.rcs.topic.EventJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code icbd plan}: what the planner would send to one replica, computed offline by the same
 * pure core the planner runs, from histories and holdings in the compact notation. For operators
 * who want to know why a replica gets what it gets, or what a conflict means.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Shows the chain of transfers the planner computes for one replica and one image, "
                + "or the conflict that stops it.",
        footer = {"",
                "Notation: versions oldest first, comma-separated, - for none;",
                "  x3 = version 3 is retired on the master;",
                "  3! = the replica's version 3 is not the master's snapshot of 3.",
                "",
                "Examples:",
                "  icbd plan --history 1,2,3,4,5,6,7,8,9,10 --have 2 --keep 3",
                "      plan: 2->8, 8->9, 9->10",
                "  icbd plan --history 1,2,x3,5 --keep 3",
                "      plan: full 1, 1->2, 2->5",
                "  icbd plan --history 1,2,3 --have 2! --keep 2 --json",
                "      a conflict, as one JSON object",
                "",
                "Exit status: 0 a plan (possibly empty), 4 a conflict, 2 bad input."})
final class PlanCommand implements Callable<Integer> {

    /** The exit status for a conflict: the replica needs an operator. */
    static final int CONFLICT = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--history", required = true, paramLabel = "VERSIONS",
            description = "The master's versions of the image, oldest first, e.g. 1,2,x3,5.")
    String history;

    @Option(names = "--have", defaultValue = "-", paramLabel = "VERSIONS",
            description = "The versions the replica holds, e.g. 2 or 2,3!; - for none (default).")
    String have;

    @Option(names = "--keep", required = true, paramLabel = "N",
            description = "How many of the newest live versions the replica keeps (at least 1).")
    int keep;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        ImageHistory master = parse("--history", () -> CompactNotation.parseHistory(history));
        ReplicaHoldings replica = parse("--have", () -> CompactNotation.parseHoldings(have));
        if (keep < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep must be at least 1, got " + keep);
        }
        PlanResult result = Planner.plan(master, replica, keep);
        spec.commandLine().getOut().println(json
                ? EventJson.mapper().writeValueAsString(asJson(result))
                : result.describe());
        return result instanceof Conflict ? CONFLICT : 0;
    }

    private <T> T parse(String option, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> asJson(PlanResult result) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (result instanceof Plan plan) {
            out.put("result", "plan");
            out.put("basis", plan.basis().getClass().getSimpleName());
            out.put("steps", plan.steps().stream().map(PlanCommand::step).toList());
        } else {
            Conflict conflict = (Conflict) result;
            out.put("result", "conflict");
            out.put("conflict", conflict.getClass().getSimpleName());
            out.put("diverged", versions(conflict.diverged()));
            out.put("unknown", versions(conflict.unknown()));
        }
        out.put("render", result.render());
        out.put("describe", result.describe());
        return out;
    }

    private static Map<String, Object> step(Step step) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (step instanceof Step.Delta delta) {
            out.put("parentVersion", delta.parentVersion());
        }
        out.put("version", step.version());
        return out;
    }

    private static List<Integer> versions(List<ReplicaHolding> holdings) {
        return holdings.stream().map(ReplicaHolding::version).toList();
    }
}
