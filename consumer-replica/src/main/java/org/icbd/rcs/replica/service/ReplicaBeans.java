package org.icbd.rcs.replica.service;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.icbd.rcs.replica.config.ReplicaConfig;
import org.icbd.rcs.replica.config.ReplicaSettings;

/**
 * The replica's beans: its checked configuration and its service, stopped when the context closes.
 * Only in the replica's environment: the {@code icbd} jar carries every service's beans, and another
 * service's context must never build a replica.
 */
@Factory
@Requires(env = ReplicaSettings.ENVIRONMENT)
public class ReplicaBeans {

    @Singleton
    ReplicaConfig replicaConfig(ReplicaSettings settings) {
        return settings.checkConfig();
    }

    @Singleton
    @Bean(preDestroy = "close")
    ReplicaService replicaService(ReplicaConfig config, MeterRegistry meters) {
        return new ReplicaService(config, Clock.systemUTC(), meters);
    }
}
