package org.icbd.rcs.planner.topology;

import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** A processor whose {@code process} time per record is told to {@link PlannerCounts#processed}. */
final class TimedProcessor<KI, VI, KO, VO> implements Processor<KI, VI, KO, VO> {

    private final Processor<KI, VI, KO, VO> delegate;
    private final PlannerCounts counts;

    TimedProcessor(Processor<KI, VI, KO, VO> delegate, PlannerCounts counts) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.counts = Objects.requireNonNull(counts, "counts");
    }

    @Override
    public void init(ProcessorContext<KO, VO> context) {
        delegate.init(context);
    }

    @Override
    public void process(Record<KI, VI> record) {
        long start = System.nanoTime();
        try {
            delegate.process(record);
        } finally {
            counts.processed(System.nanoTime() - start);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
