package org.icbd.rcs.master.http;

import io.micronaut.serde.annotation.Serdeable;

/**
 * {@code GET /health}.
 *
 * @param status          "ok" when the pool is on btrfs, SSH is serving and Kafka answers; else "degraded"
 * @param republish       whether the topic has caught up with the disk since the start
 * @param hostKey         the SSH host key's SHA256 fingerprint, for operators pinning it on replicas
 */
@Serdeable
public record HealthView(String status, String master, String pool, boolean poolOnBtrfs, int sshPort,
                         boolean sshRunning, String hostKey, String kafka, boolean kafkaReachable,
                         String republish) {
}
