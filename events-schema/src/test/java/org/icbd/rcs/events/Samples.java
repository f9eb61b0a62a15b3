package org.icbd.rcs.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One realistic value of every event type, shared by the golden and round-trip tests. */
public final class Samples {

    public static final String U1 = "0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f";
    public static final String U2 = "7e1c9b2a-4d3f-4e5a-8b6c-2d3e4f5a6b7c";
    public static final String U3 = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
    static final Instant T = Instant.parse("2026-11-22T10:15:30Z");

    private Samples() {
    }

    /** Golden file name → value. */
    public static Map<String, Object> all() {
        return Map.ofEntries(
                Map.entry("image-version-published-first",
                        ImageVersionPublished.of("ubuntu", 1, U1, Optional.empty(), Optional.empty(), 123_456_789L,
                                T, "master-a")),
                Map.entry("image-version-published",
                        ImageVersionPublished.of("ubuntu", 2, U2, Optional.of(1), Optional.of(U1), 130_000_000L, T,
                                "master-a")),
                Map.entry("image-version-published-correction",
                        ImageVersionPublished.of("ubuntu", 2, U2, Optional.of(1), Optional.of(U1), 130_000_000L, T,
                                "master-a").correcting("0b7d4c7e-3f1a-4c52-9d1e-5a2b8c9d0e1f")),
                Map.entry("image-version-retired", ImageVersionRetired.of("ubuntu", 1, U1, T, "master-a")),
                Map.entry("replica-registered",
                        ReplicaRegistered.of("lab-110-a", "lab-110",
                                List.of(new Subscription("ubuntu", 3), new Subscription("win11", 1)), "icbd",
                                "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4", "icbd-rcs 0.1.0", T)),
                Map.entry("replica-registered-compression",
                        ReplicaRegistered.of("lab-112-a", "lab-112", List.of(new Subscription("ubuntu", 2)), "icbd",
                                "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4", "icbd-rcs 0.1.0",
                                Optional.of(Compression.NONE), T)),
                Map.entry("replica-registered-serving",
                        ReplicaRegistered.of("lab-112-b", "lab-112", List.of(new Subscription("ubuntu", 2)), "icbd",
                                "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4", "icbd-rcs 0.1.0", T)
                                .serving(new PeerService("10.1.12.21", 2222,
                                        "SHA256:Wb6J2tJ8m3lq0pQ1sQ2wE3rT4q3Jx0p9m4v3pC7a9m0Z", 2))),
                Map.entry("replica-image-state-from-peer",
                        ReplicaImageState.of("lab-112-a", "ubuntu",
                                List.of(new HeldVersion(1, U1), new HeldVersion(2, U2)),
                                Optional.of(StepReport.applied("t-45", 2, 52_428_800L, 1_830L).withSource("lab-112-b")),
                                Optional.empty(), T)),
                Map.entry("replication-task-from-peer",
                        ReplicationTask.of("t-45", "lab-112-a", "ubuntu", List.of(1),
                                List.of(TransferStep.delta(1, U1, 2, U2).from("lab-112-b")), Compression.NONE, T)),
                Map.entry("replica-image-state-applied",
                        ReplicaImageState.of("lab-110-a", "ubuntu",
                                List.of(new HeldVersion(1, U1), new HeldVersion(2, U2)),
                                Optional.of(StepReport.applied("t-42", 2, 52_428_800L, 1_830L)), Optional.empty(), T)),
                Map.entry("replica-image-state-hook-failed",
                        ReplicaImageState.of("lab-110-a", "ubuntu",
                                List.of(new HeldVersion(1, U1), new HeldVersion(2, U2)),
                                Optional.of(StepReport.applied("t-42", 2, 52_428_800L, 1_830L)
                                        .withHook(HookReport.exited(3, "`/usr/local/sbin/icbd-reload-exports ubuntu`"
                                                + " exited 3: exportfs: /srv/icbd/images/ubuntu/current: busy", 41L))),
                                Optional.empty(), T)),
                Map.entry("replica-image-state-failed",
                        ReplicaImageState.of("lab-110-a", "ubuntu", List.of(new HeldVersion(1, U1)),
                                Optional.of(StepReport.failed("t-43", 2, ErrorClass.TRANSIENT,
                                        "connection to master 10.0.0.1:2222 lost after 1048576 bytes", 1_048_576L,
                                        912L)), Optional.empty(), T)),
                Map.entry("replica-image-state-transferring",
                        ReplicaImageState.of("lab-110-a", "ubuntu", List.of(new HeldVersion(1, U1)), Optional.empty(),
                                Optional.of(new TransferProgress("t-44", 2, Optional.of(1), 10_485_760L,
                                        104_857_600L, T)), T)),
                Map.entry("replication-task",
                        ReplicationTask.of("t-42", "lab-110-a", "ubuntu", List.of(1),
                                List.of(TransferStep.delta(1, U1, 2, U2), TransferStep.delta(2, U2, 3, U3)),
                                Compression.LZ4, T)),
                Map.entry("replication-task-full",
                        ReplicationTask.of("t-1", "lab-112-a", "ubuntu", List.of(),
                                List.of(TransferStep.full(1, U1)), Compression.NONE, T)),
                Map.entry("replication-status",
                        ReplicationStatus.of("lab-110-a", "lab-110", "ubuntu", Optional.of(3), List.of(1, 2),
                                List.of(3), ReplicationState.FAILED, 1, Optional.of(T),
                                Optional.of("verify failed: received_uuid differs"), Optional.empty(), T)),
                Map.entry("planner-heartbeat",
                        PlannerHeartbeat.of("icbd-planner", "planner1-4242", "icbd-rcs 0.1.0", T)),
                Map.entry("dead-letter",
                        DeadLetter.of("icbd.image-versions", 0, 17L, "{not json".getBytes(),
                                "ImageVersionEvent on icbd.image-versions: not JSON", "planner", T)));
    }
}
