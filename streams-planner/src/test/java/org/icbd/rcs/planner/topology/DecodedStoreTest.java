package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class DecodedStoreTest {

    /** A real in-memory Kafka Streams store of strings, without a changelog. */
    private static KeyValueStore<String, String> store() {
        KeyValueStore<String, String> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"),
                Serdes.String(), Serdes.String()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    @Test
    void writesGoThroughAndReadsOfWhatWasWrittenAreAnsweredFromMemory() {
        KeyValueStore<String, String> store = store();
        DecodedStore<String> decoded = new DecodedStore<>(store, 10);
        String value = new String("held 1-3");
        decoded.put("img/r1", value);
        assertEquals("held 1-3", store.get("img/r1"), "the store has the value");
        assertSame(value, decoded.get("img/r1"), "the same object, not a decoding of it");
        assertEquals(1, decoded.hits());
        assertEquals(0, decoded.misses());

        decoded.delete("img/r1");
        assertNull(store.get("img/r1"));
        assertNull(decoded.get("img/r1"));
        assertEquals(1, decoded.misses());
    }

    @Test
    void theLeastRecentlyUsedValueGoesFirstAndIsReadBackFromTheStore() {
        KeyValueStore<String, String> store = store();
        DecodedStore<String> decoded = new DecodedStore<>(store, 2);
        decoded.put("a", "1");
        decoded.put("b", "2");
        decoded.get("a");
        decoded.put("c", "3");
        assertEquals(2, decoded.size());
        long misses = decoded.misses();
        assertEquals("1", decoded.get("a"), "a was used after b");
        assertEquals(misses, decoded.misses(), "a is still in memory");
        assertEquals("2", decoded.get("b"), "b went from memory, not from the store");
        assertEquals(misses + 1, decoded.misses());
    }

    @Test
    void valuesAlreadyInTheStoreAreReadOnceAndScansReadTheStore() {
        KeyValueStore<String, String> store = store();
        store.put("img/r1", "x");
        store.put("img/r2", "y");
        store.put("other/r1", "z");
        DecodedStore<String> decoded = new DecodedStore<>(store, 10);
        assertEquals("x", decoded.get("img/r1"));
        assertEquals("x", decoded.get("img/r1"));
        assertEquals(1, decoded.misses());
        assertEquals(1, decoded.hits());
        List<String> scanned = new ArrayList<>();
        try (KeyValueIterator<String, String> it = decoded.prefixScan("img/")) {
            it.forEachRemaining(kv -> scanned.add(kv.key + "=" + kv.value));
        }
        assertEquals(List.of("img/r1=x", "img/r2=y"), scanned);
    }

    /** Whatever the operations and the capacity, every read answers what the store alone would. */
    @Property(tries = 300)
    void answersExactlyAsTheStoreDoes(@ForAll("operations") List<String[]> operations,
                                      @ForAll @IntRange(min = 1, max = 4) int capacity) {
        KeyValueStore<String, String> store = store();
        DecodedStore<String> decoded = new DecodedStore<>(store, capacity);
        Map<String, String> model = new HashMap<>();
        for (String[] op : operations) {
            switch (op[0]) {
                case "put" -> {
                    decoded.put(op[1], op[2]);
                    model.put(op[1], op[2]);
                }
                case "delete" -> {
                    decoded.delete(op[1]);
                    model.remove(op[1]);
                }
                default -> assertEquals(model.get(op[1]), decoded.get(op[1]), "get " + op[1]);
            }
        }
        for (String key : List.of("a", "b", "c", "d", "e", "f")) {
            assertEquals(model.get(key), decoded.get(key));
            assertEquals(model.get(key), store.get(key), "the store is the truth");
        }
        try (KeyValueIterator<String, String> it = decoded.all()) {
            Map<String, String> all = new HashMap<>();
            it.forEachRemaining((KeyValue<String, String> kv) -> all.put(kv.key, kv.value));
            assertEquals(model, all);
        }
    }

    @Provide
    Arbitrary<List<String[]>> operations() {
        Arbitrary<String> keys = Arbitraries.of("a", "b", "c", "d", "e", "f");
        Arbitrary<String[]> op = Arbitraries.oneOf(
                keys.flatMap(k -> Arbitraries.strings().alpha().ofMaxLength(3).map(v -> new String[] {"put", k, v})),
                keys.map(k -> new String[] {"delete", k}),
                keys.map(k -> new String[] {"get", k}));
        return op.list().ofMaxSize(40);
    }
}
