package org.icbd.rcs.events;

import java.time.Instant;

/**
 * A value of the compacted {@code icbd.planners}, keyed by {@code applicationId/instanceId}: a
 * planner instance saying it is alive. Published every few seconds while its Kafka Streams
 * application is RUNNING, so that whoever reads {@code icbd.replication-status} can tell current
 * records from a planner's last words; a clean stop publishes a tombstone for its key.
 *
 * @param applicationId the planner's Kafka Streams application id (instances sharing it share the work)
 * @param instanceId    this instance, e.g. {@code host-pid}: unique among the instances of one application
 * @param software      the planner's software version, for operators
 * @param at            when it was sent
 */
public record PlannerHeartbeat(
        int schemaVersion,
        String applicationId,
        String instanceId,
        String software,
        Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public PlannerHeartbeat {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "PlannerHeartbeat");
        Fields.nonBlank(applicationId, "applicationId");
        Fields.nonBlank(instanceId, "instanceId");
        if (instanceId.contains("/") || applicationId.contains("/")) {
            throw new IllegalArgumentException("applicationId and instanceId must not contain '/', got "
                    + Fields.abbreviate(applicationId) + " and " + Fields.abbreviate(instanceId));
        }
        Fields.nonBlank(software, "software");
        Fields.present(at, "at");
    }

    public static PlannerHeartbeat of(String applicationId, String instanceId, String software, Instant at) {
        return new PlannerHeartbeat(SCHEMA_VERSION, applicationId, instanceId, software, at);
    }

    /** The record's key on {@code icbd.planners}. */
    public String key() {
        return applicationId + "/" + instanceId;
    }
}
