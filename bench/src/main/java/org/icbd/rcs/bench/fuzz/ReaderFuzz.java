package org.icbd.rcs.bench.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.icbd.rcs.bench.fuzz.EventSamples.Kind;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.topic.EventFormatException;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.transfer.TransferRequest;
import org.icbd.rcs.transfer.TransferRequestException;

/**
 * The in-process half of {@code icbd fuzz}: the transfer-request grammar and every topic's event
 * reader, fed valid inputs, grammar-aware mutations, byte mutations and random bytes, each verdict
 * checked against an oracle ({@link RequestOracle}, {@link FieldMutations}' invalid classes,
 * {@link EventOracle}). The documented rejections are {@link TransferRequestException} and
 * {@link EventFormatException}; anything else thrown is a crash.
 */
final class ReaderFuzz {

    static final String GRAMMAR = "transfer-request grammar";

    private final RandomGenerator random;
    private final RequestLines lines;
    private final EventSamples samples;
    private final FieldMutations fields;
    private final Map<String, Tally> tallies = new LinkedHashMap<>();

    ReaderFuzz(RandomGenerator random, List<String> images) {
        this.random = random;
        this.lines = new RequestLines(images, random);
        this.samples = new EventSamples(random, "fuzz-replica", images.get(0));
        this.fields = new FieldMutations(random);
        tallies.put(GRAMMAR, new Tally(GRAMMAR));
        for (Kind k : Kind.values()) {
            tallies.put(k.label(), new Tally(k.label()));
        }
    }

    /** Feeds {@code inputs} inputs: half to the grammar, half spread over the event readers. */
    Map<String, Tally> run(long inputs) {
        Kind[] kinds = Kind.values();
        for (long i = 0; i < inputs; i++) {
            if (i % 2 == 0) {
                request(lines.next());
            } else {
                event(kinds[(int) ((i / 2) % kinds.length)]);
            }
        }
        return tallies;
    }

    private void request(String line) {
        Tally t = tallies.get(GRAMMAR);
        t.inputs++;
        Optional<RequestOracle.Expected> expected = RequestOracle.judge(line);
        TransferRequest parsed;
        try {
            parsed = TransferRequest.parse(line);
        } catch (TransferRequestException e) {
            t.rejected++;
            expected.ifPresent(x -> t.rejectedGood(show(line) + ": " + e.getMessage()));
            return;
        } catch (Throwable e) {
            t.crashed(show(line) + ": " + e);
            return;
        }
        t.accepted++;
        if (expected.isEmpty()) {
            t.acceptedBad(show(line) + " parsed as " + parsed.print());
        } else if (!matches(expected.get(), parsed)) {
            t.acceptedBad(show(line) + " parsed as " + parsed.print() + ", not as " + expected.get());
        }
    }

    private static boolean matches(RequestOracle.Expected x, TransferRequest r) {
        return x.verb().equals(r.verb().word()) && x.image().equals(r.image()) && x.version() == r.version()
                && x.parent().equals(r.parent()) && x.compress().equals(r.compression().code())
                && x.offset() == r.offset() && x.transport().equals(r.transport().code());
    }

    @SuppressWarnings("unchecked")
    private void event(Kind kind) {
        Tally t = tallies.get(kind.label());
        t.inputs++;
        JsonSerde<Object> serde = (JsonSerde<Object>) kind.topic.valueSerde();
        Object valid = samples.next(kind);
        byte[] validBytes = serde.serialize(kind.topic.name(), valid);
        int pick = random.nextInt(20);
        byte[] input;
        String mutation;
        boolean knownBad;
        if (pick < 2) {
            input = validBytes;
            mutation = "valid";
            knownBad = false;
        } else if (pick < 11) {
            FieldMutations.Mutated m = fields.mutate(kind, validBytes);
            input = m.bytes();
            mutation = m.mutation();
            knownBad = true;
        } else if (pick < 18) {
            input = Bytes.mutate(validBytes, random);
            mutation = "bytes mutated";
            knownBad = false;
        } else {
            input = Bytes.random(random, 400);
            mutation = "random bytes";
            knownBad = false;
        }
        Object read;
        try {
            read = serde.deserialize(kind.topic.name(), input);
        } catch (EventFormatException e) {
            t.rejected++;
            if (mutation.equals("valid")) {
                t.rejectedGood(show(input) + ": " + e.getMessage());
            }
            return;
        } catch (Throwable e) {
            t.crashed(mutation + " " + show(input) + ": " + e);
            return;
        }
        t.accepted++;
        if (read == null) {
            t.acceptedBad(mutation + " " + show(input) + " read as null");
            return;
        }
        if (knownBad) {
            t.acceptedBad(mutation + " " + show(input) + " read as " + read);
            return;
        }
        List<String> problems = EventOracle.problems(read);
        if (!problems.isEmpty()) {
            t.acceptedBad(mutation + " " + show(input) + " read as a value with " + problems);
        } else if (mutation.equals("valid") && !read.equals(valid)) {
            t.acceptedBad("valid " + show(input) + " read as " + read);
        }
    }

    static String show(String line) {
        return "'" + FieldMutations.abbreviate(line) + "'";
    }

    static String show(byte[] bytes) {
        return show(new String(bytes, StandardCharsets.UTF_8));
    }
}
