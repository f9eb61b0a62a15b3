package org.icbd.rcs.replica.service;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.icbd.rcs.replica.config.ReplicaConfig;
import org.icbd.rcs.replica.config.ReplicaSettings;

/** The replica's beans: its checked configuration and its service, stopped when the context closes. */
@Factory
public class ReplicaBeans {

    @Singleton
    ReplicaConfig replicaConfig(ReplicaSettings settings) {
        return ReplicaConfig.from(settings);
    }

    @Singleton
    @Bean(preDestroy = "close")
    ReplicaService replicaService(ReplicaConfig config) {
        return new ReplicaService(config, Clock.systemUTC());
    }
}
