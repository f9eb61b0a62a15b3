package org.icbd.rcs.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The written-out checks accept exactly what their patterns ({@link Fields#NAME}, {@link Fields#UUID}) match. */
class FieldsProperties {

    @Property(tries = 3000)
    void isNameIsTheNamePattern(@ForAll("nameLike") String value) {
        assertEquals(Fields.NAME.matcher(value).matches(), Fields.isName(value), value);
    }

    @Property(tries = 3000)
    void isUuidIsTheUuidPattern(@ForAll("uuidLike") String value) {
        assertEquals(Fields.UUID.matcher(value).matches(), Fields.isUuid(value), value);
    }

    @Property(tries = 1000)
    void anyStringIsJudgedAlike(@ForAll String value) {
        assertEquals(Fields.NAME.matcher(value).matches(), Fields.isName(value), value);
        assertEquals(Fields.UUID.matcher(value).matches(), Fields.isUuid(value), value);
    }

    /** Mostly valid characters, near the length bounds, with a few that are not. */
    @Provide
    Arbitrary<String> nameLike() {
        return Arbitraries.strings().withChars("az09._-AZ/ ").ofMinLength(0).ofMaxLength(66);
    }

    /** The 36 characters of a UUID or near it, dashes anywhere. */
    @Provide
    Arbitrary<String> uuidLike() {
        Arbitrary<String> shaped = Arbitraries.strings().withChars("0123456789abcdefAFg-").ofMinLength(35)
                .ofMaxLength(37);
        Arbitrary<String> canonical = Arbitraries.create(() -> java.util.UUID.randomUUID().toString());
        Arbitrary<String> oneOff = canonical.flatMap(u -> Arbitraries.integers().between(0, 35)
                .flatMap(i -> Arbitraries.of('0', 'f', '-', 'g', 'A').map(c -> u.substring(0, i) + c + u.substring(i + 1))));
        return Arbitraries.oneOf(shaped, canonical, oneOff);
    }
}
