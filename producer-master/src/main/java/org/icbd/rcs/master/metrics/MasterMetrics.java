package org.icbd.rcs.master.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.master.ssh.SendObserver;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * The master's meters, as Prometheus scrapes them from {@code /metrics}:
 *
 * <ul>
 *   <li>{@code icbd_master_sends_total{outcome}}: transfer requests by how they went: {@code started}
 *       (a slot held, the stream about to be read), then {@code completed} or {@code failed}; or
 *       {@code refused} (bad request, nothing ran; an offset the store cannot serve counts as a started send that failed) or {@code busy} (no send slot in time);
 *   <li>{@code icbd_master_served_bytes_total{compression}}: bytes put on the SSH channels, per codec
 *       ({@code none}, {@code lz4}, {@code zstd}), counted as they are written;
 *   <li>{@code icbd_master_channels_open}: SSH channels open now;
 *   <li>{@code icbd_master_send_slots_waiting}: requests waiting for a send slot;
 *       {@code icbd_master_send_slots_in_use} and {@code icbd_master_send_slots_max};
 *   <li>the stream store: {@code icbd_master_stream_store_bytes} stored now,
 *       {@code icbd_master_stream_store_budget_bytes}, {@code icbd_master_stream_store_hits_total}
 *       (sends answered from a stream stored or in production) and
 *       {@code icbd_master_stream_store_productions_total} (streams produced by {@code btrfs send}).
 * </ul>
 */
public final class MasterMetrics implements SendObserver {

    public static final String SENDS = "icbd.master.sends";
    public static final String SERVED = "icbd.master.served";

    private final MeterRegistry registry;
    private final Counter started;
    private final Counter completed;
    private final Counter failed;
    private final Counter refused;
    private final Counter busy;
    private final Map<Compression, Counter> served = new EnumMap<>(Compression.class);

    public MasterMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        started = sends("started");
        completed = sends("completed");
        failed = sends("failed");
        refused = sends("refused");
        busy = sends("busy");
        for (Compression c : Compression.values()) {
            served.put(c, Counter.builder(SERVED).baseUnit("bytes")
                    .description("Bytes of send streams put on the SSH channels, as encoded for the wire")
                    .tag("compression", c.code()).register(registry));
        }
    }

    private Counter sends(String outcome) {
        return Counter.builder(SENDS).description("Transfer requests to the SSH send service, by outcome")
                .tag("outcome", outcome).register(registry);
    }

    /** Registers the gauges that read the running send service. */
    public void watch(SendServer server) {
        Gauge.builder("icbd.master.channels.open", server, SendServer::openChannels)
                .description("SSH channels open on the send service").register(registry);
        Gauge.builder("icbd.master.send.slots.waiting", server, s -> s.slots().waiting())
                .description("Transfer requests waiting for a send slot").register(registry);
        Gauge.builder("icbd.master.send.slots.in.use", server, s -> s.slots().inUse())
                .description("Send slots held by running sends").register(registry);
        Gauge.builder("icbd.master.send.slots.max", server, s -> s.slots().max())
                .description("Send slots (icbd.master.max-concurrent-sends)").register(registry);
        StreamStore store = server.streams();
        Gauge.builder("icbd.master.stream.store.bytes", store, StreamStore::storedBytes)
                .description("Bytes of stored streams on the pool").register(registry);
        Gauge.builder("icbd.master.stream.store.budget.bytes", store, StreamStore::budgetBytes)
                .description("The stream store's budget").register(registry);
        FunctionCounter.builder("icbd.master.stream.store.hits", store, StreamStore::hits)
                .description("Sends answered from a stream stored or in production").register(registry);
        FunctionCounter.builder("icbd.master.stream.store.productions", store, StreamStore::productions)
                .description("Streams produced by btrfs send for a send that found none stored").register(registry);
    }

    @Override
    public void refused() {
        refused.increment();
    }

    @Override
    public void busy() {
        busy.increment();
    }

    @Override
    public void started(TransferRequest request) {
        started.increment();
    }

    @Override
    public void served(Compression compression, long bytes) {
        served.get(compression).increment(bytes);
    }

    @Override
    public void completed(TransferRequest request) {
        completed.increment();
    }

    @Override
    public void failed(TransferRequest request) {
        failed.increment();
    }
}
