package org.icbd.rcs.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.icbd.rcs.events.Compression;

class TransferRequestProperties {

    @Provide
    Arbitrary<TransferRequest> requests() {
        Arbitrary<String> images = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789")
                .ofMinLength(1).ofMaxLength(1)
                .flatMap(first -> Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789._-")
                        .ofMaxLength(63).map(rest -> first + rest));
        Arbitrary<Integer> versions = Arbitraries.integers().between(2, Integer.MAX_VALUE);
        Arbitrary<Long> offsets = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, Long.MAX_VALUE / 100));
        return Combinators.combine(images, versions, Arbitraries.doubles().between(0, 1),
                        Arbitraries.of(true, false), Arbitraries.of(Compression.class), offsets,
                        Arbitraries.of(TransferRequest.Verb.class), Arbitraries.of(Transport.class))
                .as((image, version, parentFraction, withParent, compression, offset, verb, transport) -> {
                    Optional<Integer> parent = withParent
                            ? Optional.of(Math.max(1, (int) ((version - 1) * parentFraction)))
                            : Optional.empty();
                    TransferRequest send = new TransferRequest(image, version, parent, compression).withOffset(offset)
                            .withTransport(transport);
                    return verb == TransferRequest.Verb.STAT ? send.stat() : send;
                });
    }

    @Property
    void parseOfPrintIsIdentity(@ForAll("requests") TransferRequest request) {
        assertEquals(request, TransferRequest.parse(request.print()));
    }

    @Property
    void printOfParseIsIdentityOnCanonicalLines(@ForAll("requests") TransferRequest request) {
        String line = request.print();
        assertEquals(line, TransferRequest.parse(line).print());
    }

    /** Random garbage either parses to a valid request or fails with the typed error; nothing else escapes. */
    @Property(tries = 3000)
    void garbageNeverThrowsAnythingButTheTypedError(@ForAll String garbage) {
        assertOnlyTypedFailure(garbage);
    }

    @Property(tries = 3000)
    void mutatedRequestsNeverThrowAnythingButTheTypedError(@ForAll("requests") TransferRequest request,
                                                            @ForAll String insert,
                                                            @ForAll("positions") double where) {
        String line = request.print();
        int at = (int) (where * line.length());
        assertOnlyTypedFailure(line.substring(0, at) + insert + line.substring(at));
    }

    @Provide
    Arbitrary<Double> positions() {
        return Arbitraries.doubles().between(0, 1);
    }

    private static void assertOnlyTypedFailure(String line) {
        try {
            TransferRequest parsed = TransferRequest.parse(line);
            // Whatever parses is a well-formed request whose canonical form parses back to itself.
            assertEquals(parsed, TransferRequest.parse(parsed.print()));
        } catch (TransferRequestException expected) {
            // The only failure allowed.
        }
    }
}
