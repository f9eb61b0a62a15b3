package org.icbd.rcs.replica.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.icbd.rcs.replica.config.InvalidSettingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bare process entry for one replica: {@code java -cp ... ReplicaMain icbd.replica.id=a ...}.
 * Arguments are {@code name=value} settings. SIGTERM stops the replica gracefully (the transfer in
 * flight is aborted, staging cleaned, the state published). Operators use {@code icbd replica run}.
 *
 * <p>Exit codes: 0 after a stop, 1 when it could not start, 2 for a bad setting or argument, 3 when
 * its task loop died (it no longer applies tasks; the log says why, and the service manager restarts it).
 */
public final class ReplicaMain {

    private static final Logger log = LoggerFactory.getLogger(ReplicaMain.class);

    /** The exit status of a replica whose task loop died. */
    public static final int EXIT_TASK_LOOP_DIED = 3;

    private ReplicaMain() {
    }

    public static void main(String[] args) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                log.error("argument '{}' is not name=value", arg);
                System.exit(2);
            }
            properties.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        ReplicaApplication replica;
        try {
            replica = ReplicaApplication.run(properties);
        } catch (InvalidSettingException e) {
            log.error("the replica cannot start: {}", e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            log.error("the replica cannot start: {}", e.toString(), e);
            System.exit(1);
            return;
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            replica.close();
            stopped.complete(null);
        }, "replica-shutdown"));
        Object first = CompletableFuture.anyOf(stopped, replica.service().death()).join();
        if (first instanceof TaskLoopDeath death) {
            log.error("replica {}: exiting with status {}: {}", replica.service().config().replicaId(),
                    EXIT_TASK_LOOP_DIED, death.reason());
            System.exit(EXIT_TASK_LOOP_DIED);
        }
    }
}
