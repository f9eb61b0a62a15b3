package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.junit.jupiter.api.Test;

/** Every value the planner keeps in a store or sends through a repartition topic survives the trip. */
class StateSerdeTest {

    private static final Instant T = Instant.parse("2026-03-02T08:00:00Z");

    @Test
    void storedValuesRoundTrip() {
        roundTrip(History.class, History.EMPTY.apply(ImageVersionPublished.of("ubuntu", 1, uuid("ubuntu", 1),
                Optional.empty(), Optional.empty(), 0, T, "master")).apply(ImageVersionPublished.of("ubuntu", 2,
                uuid("ubuntu", 2), Optional.of(1), Optional.of(uuid("ubuntu", 1)), 0, T, "master")));
        roundTrip(SubscriptionEntry.class, new SubscriptionEntry("lab", 3, Optional.empty(), T));
        roundTrip(SubscriptionEntry.class, new SubscriptionEntry("lab", 3, Optional.of(Compression.NONE), T));
        roundTrip(SubscriptionEntry.class, new SubscriptionEntry("lab", 3, Optional.empty(), T, true));
        roundTrip(HeldState.class, new HeldState(state(), Optional.of(T)));
        roundTrip(TaskLedger.class, TaskLedger.NONE);
        roundTrip(TaskLedger.class, new TaskLedger(4, Optional.of(new TaskLedger.Outstanding("lab-a/ubuntu/4",
                List.of(1), List.of(TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2))), T, "have 1",
                T))));
    }

    @Test
    void repartitionedInputsRoundTrip() {
        roundTrip(ImageInput.class, new ImageInput.Subscribed("lab-a", "ubuntu", "lab", 2, Optional.empty(), T));
        roundTrip(ImageInput.class, new ImageInput.Subscribed("lab-a", "ubuntu", "lab", 2,
                Optional.of(Compression.LZ4), T));
        roundTrip(ImageInput.class, new ImageInput.Unsubscribed("lab-a", "ubuntu"));
        roundTrip(ImageInput.class, new ImageInput.Liveness("lab-a", "ubuntu", true, T));
        roundTrip(ImageInput.class, new ImageInput.Liveness("lab-a", "ubuntu", false, T));
        roundTrip(ImageInput.class, new ImageInput.StateReported(state()));
        roundTrip(ImageInput.class, new ImageInput.StateCleared("lab-a", "ubuntu"));
    }

    @Test
    void valuesWrittenBeforeTheCompressionPreferenceReadAsHavingNone() {
        // As a planner of the previous build stored and repartitioned them.
        assertEquals(new SubscriptionEntry("lab", 3, Optional.empty(), T), new StateSerde<>(SubscriptionEntry.class)
                .deserialize("t", "{\"site\":\"lab\",\"keep\":3,\"lastSeen\":\"2026-03-02T08:00:00Z\"}".getBytes()));
        assertEquals(new ImageInput.Subscribed("lab-a", "ubuntu", "lab", 2, Optional.empty(), T),
                new StateSerde<>(ImageInput.class).deserialize("t", ("{\"input\":\"subscribed\",\"replicaId\":\"lab-a\","
                        + "\"image\":\"ubuntu\",\"site\":\"lab\",\"keep\":2,\"lastSeen\":\"2026-03-02T08:00:00Z\"}")
                        .getBytes()));
    }

    @Test
    void garbageIsASerializationException() {
        StateSerde<ImageInput> serde = new StateSerde<>(ImageInput.class);
        assertThrows(SerializationException.class, () -> serde.deserialize("t", "{\"input\":\"bogus\"}".getBytes()));
        assertThrows(SerializationException.class, () -> serde.deserialize("t",
                "{\"input\":\"subscribed\",\"replicaId\":\"lab-a\",\"image\":\"ubuntu\",\"site\":\"lab\",\"keep\":0,\"lastSeen\":\"2026-03-02T08:00:00Z\"}"
                        .getBytes()));
    }

    private static ReplicaImageState state() {
        return ReplicaImageState.of("lab-a", "ubuntu", List.of(new HeldVersion(1, uuid("ubuntu", 1))),
                Optional.of(StepReport.failed("lab-a/ubuntu/2", 2, ErrorClass.TRANSIENT, "connection reset", 10, 20)),
                Optional.of(new TransferProgress("lab-a/ubuntu/3", 2, Optional.of(1), 100, 50, T)), T);
    }

    private static <T> void roundTrip(Class<T> type, T value) {
        StateSerde<T> serde = new StateSerde<>(type);
        assertEquals(value, serde.deserialize("t", serde.serialize("t", value)));
    }

    private static String uuid(String image, int version) {
        return java.util.UUID.nameUUIDFromBytes((image + "@" + version).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }
}
