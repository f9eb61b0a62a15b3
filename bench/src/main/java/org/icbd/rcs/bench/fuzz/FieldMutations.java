package org.icbd.rcs.bench.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.icbd.rcs.bench.fuzz.EventSamples.Kind;
import org.icbd.rcs.topic.EventJson;

/**
 * The grammar-aware half of the event fuzzer: field-by-field mutations of a valid event's JSON, each
 * drawn from a class that is invalid by the event's rules, so that a reader accepting one accepted a
 * bad input. The classes: a field's value replaced by one its role forbids (a name with a path
 * character, a version of 0, a uuid in upper case, an instant that is no date, a negative size, an
 * unknown enum code, a blank text, an unknown schemaVersion or type, a container for a scalar); a
 * required field removed or null; a rule across fields broken (a parent not older than its
 * version, half a parent, steps out of order, a held version twice, a failed step without its
 * error); and the document broken (truncated, not an object, nested 5,000 deep, a key twice,
 * trailing content after the object).
 */
final class FieldMutations {

    private static final ObjectMapper JSON = EventJson.mapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    enum Role { NAME, VERSION, UUID, INSTANT, NONNEG, ENUM, TEXT, SCHEMA, TYPE, OTHER }

    /** A mutated input and the class of its mutation. */
    record Mutated(byte[] bytes, String mutation) {
    }

    /** A place in the tree: a field of an object, or an element of an array of numbers. */
    private record Leaf(JsonNode container, String field, int index, Role role, boolean required) {
        void set(JsonNode value) {
            if (container instanceof ObjectNode o) {
                o.set(field, value);
            } else {
                ((ArrayNode) container).set(index, value);
            }
        }

        String where() {
            return index < 0 ? field : field + "[" + index + "]";
        }
    }

    private final RandomGenerator random;

    FieldMutations(RandomGenerator random) {
        this.random = random;
    }

    Mutated mutate(Kind kind, byte[] valid) {
        ObjectNode tree;
        try {
            tree = (ObjectNode) JSON.readTree(valid);
        } catch (IOException e) {
            throw new UncheckedIOException("a valid sample is not JSON", e);
        }
        int pick = random.nextInt(10);
        if (pick == 0) {
            return structural(valid, tree);
        }
        if (pick == 1) {
            Mutated m = acrossFields(kind, tree);
            if (m != null) {
                return m;
            }
        }
        List<Leaf> leaves = new ArrayList<>();
        collect(kind, tree, leaves);
        List<Leaf> targets = leaves.stream().filter(l -> l.role != Role.OTHER).toList();
        Leaf leaf = targets.get(random.nextInt(targets.size()));
        if (leaf.required && random.nextInt(5) == 0) {
            if (leaf.container instanceof ObjectNode o && random.nextBoolean()) {
                o.remove(leaf.field);
                return bytes(tree, "required " + leaf.where() + " removed");
            }
            leaf.set(F.nullNode());
            return bytes(tree, "required " + leaf.where() + " null");
        }
        if (leaf.role == Role.NONNEG && random.nextInt(5) == 0) {
            leaf.set(F.nullNode());
            return bytes(tree, leaf.where() + " null for a number");
        }
        JsonNode bad = badValue(kind, leaf);
        leaf.set(bad);
        return bytes(tree, leaf.role.name().toLowerCase(Locale.ROOT) + " " + leaf.where() + " = " + abbreviate(bad.toString()));
    }

    private JsonNode badValue(Kind kind, Leaf leaf) {
        if (random.nextInt(8) == 0) {
            return random.nextBoolean() ? F.arrayNode() : F.objectNode();
        }
        String uuid = java.util.UUID.randomUUID().toString();
        List<JsonNode> choices = switch (leaf.role) {
            case NAME -> texts("", "..", ".x", "-x", "_x", "Ubuntu", "a/b", "../etc", "a b", "a".repeat(65),
                    "\u00e9t\u00e9", "a\u0000", "a\n");
            case VERSION -> List.of(F.numberNode(0), F.numberNode(-1), F.numberNode(Integer.MIN_VALUE),
                    F.numberNode(BigInteger.valueOf(Integer.MAX_VALUE).add(BigInteger.ONE)), F.textNode("abc"));
            case UUID -> texts("", "x", uuid.toUpperCase(Locale.ROOT), uuid.replace("-", ""), uuid + "0",
                    uuid.substring(1), "../" + uuid, uuid.replace('-', '_'));
            case INSTANT -> texts("", "yesterday", "2026-13-45T25:61:00Z", "not a date", "T");
            case NONNEG -> List.of(F.numberNode(-1), F.numberNode(Long.MIN_VALUE),
                    F.numberNode(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)), F.textNode("abc"));
            case ENUM -> leaf.field.equals("compression") ? texts("brotli", "gzip", "", "lz5")
                    : texts("BOGUS", "", "IN_SYNC_", "utf16");
            case TEXT -> texts("", " ", "\t", "   \n");
            case SCHEMA -> List.of(F.numberNode(0), F.numberNode(2), F.numberNode(99), F.numberNode(-1),
                    F.textNode("1"), F.numberNode(1.0), F.booleanNode(true));
            case TYPE -> List.of(F.textNode("Bogus"), F.textNode(""), F.textNode("imageVersionPublished"),
                    F.numberNode(1));
            case OTHER -> throw new IllegalStateException("no bad value for " + leaf.where());
        };
        return choices.get(random.nextInt(choices.size()));
    }

    private Mutated structural(byte[] valid, ObjectNode tree) {
        switch (random.nextInt(7)) {
            case 0 -> {
                return new Mutated(java.util.Arrays.copyOf(valid, 1 + random.nextInt(valid.length - 1)), "truncated");
            }
            case 1 -> {
                String[] roots = {"[]", "\"text\"", "42", "null", "", "[" + new String(valid, StandardCharsets.UTF_8) + "]"};
                String root = roots[random.nextInt(roots.length)];
                return new Mutated(root.getBytes(StandardCharsets.UTF_8), "not an object: " + abbreviate(root));
            }
            case 2 -> {
                String deep = "[".repeat(5000) + "]".repeat(5000);
                String field = pickField(tree);
                String text = new String(bytes(tree, "").bytes(), StandardCharsets.UTF_8);
                String marker = "\"" + field + "\":";
                int at = text.indexOf(marker);
                int end = valueEnd(text, at + marker.length());
                return new Mutated((text.substring(0, at + marker.length()) + deep + text.substring(end))
                        .getBytes(StandardCharsets.UTF_8), field + " nested 5000 deep");
            }
            case 3 -> {
                String field = pickField(tree);
                String text = new String(valid, StandardCharsets.UTF_8);
                return new Mutated(("{\"" + field + "\":" + tree.get(field) + "," + text.substring(1))
                        .getBytes(StandardCharsets.UTF_8), "key " + field + " given twice");
            }
            case 4 -> {
                return new Mutated((new String(valid, StandardCharsets.UTF_8) + " {}").getBytes(StandardCharsets.UTF_8),
                        "a second object after the first");
            }
            case 5 -> {
                return new Mutated((new String(valid, StandardCharsets.UTF_8) + "x").getBytes(StandardCharsets.UTF_8),
                        "trailing garbage");
            }
            default -> {
                byte[] out = valid.clone();
                out[random.nextInt(out.length)] = (byte) (0x80 + random.nextInt(0x40));
                // A lone continuation byte: not UTF-8, wherever it lands.
                return new Mutated(out, "invalid UTF-8");
            }
        }
    }

    private Mutated acrossFields(Kind kind, ObjectNode tree) {
        switch (kind) {
            case IMAGE_VERSION_PUBLISHED -> {
                if (tree.has("parentVersion")) {
                    if (random.nextBoolean()) {
                        tree.set("parentVersion", tree.get("version"));
                        return bytes(tree, "parentVersion = version");
                    }
                    tree.remove("parentUuid");
                    return bytes(tree, "parentVersion without parentUuid");
                }
                if (tree.get("version").asInt() > 1) {
                    tree.put("parentVersion", 1);
                    return bytes(tree, "parentVersion without parentUuid");
                }
                return null;
            }
            case REPLICATION_TASK -> {
                ArrayNode steps = (ArrayNode) tree.get("steps");
                if (steps.size() >= 2 && random.nextBoolean()) {
                    JsonNode first = steps.remove(0);
                    steps.add(first);
                    return bytes(tree, "steps out of order");
                }
                tree.set("steps", F.arrayNode());
                return bytes(tree, "no steps");
            }
            case REPLICA_IMAGE_STATE -> {
                ArrayNode versions = (ArrayNode) tree.get("versions");
                if (!versions.isEmpty() && random.nextBoolean()) {
                    versions.add(versions.get(0).deepCopy());
                    return bytes(tree, "a held version twice");
                }
                if (tree.get("lastStep") instanceof ObjectNode step) {
                    if (step.has("errorClass")) {
                        step.remove("errorClass");
                        return bytes(tree, "a FAILED step without errorClass");
                    }
                    step.put("error", "boom");
                    return bytes(tree, "an APPLIED step with an error");
                }
                return null;
            }
            case REPLICA_REGISTERED -> {
                ArrayNode subs = (ArrayNode) tree.get("subscriptions");
                subs.add(subs.get(0).deepCopy());
                return bytes(tree, "a subscription twice");
            }
            case DEAD_LETTER -> {
                tree.remove("valueEncoding");
                return bytes(tree, "value without valueEncoding");
            }
            default -> {
                return null;
            }
        }
    }

    private void collect(Kind kind, ObjectNode node, List<Leaf> leaves) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            JsonNode value = f.getValue();
            if (value instanceof ObjectNode child) {
                collect(kind, child, leaves);
            } else if (value instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    if (array.get(i) instanceof ObjectNode child) {
                        collect(kind, child, leaves);
                    } else if (name.equals("expectHave")) {
                        leaves.add(new Leaf(array, name, i, Role.VERSION, true));
                    }
                }
            } else {
                Role role = role(kind, name);
                leaves.add(new Leaf(node, name, -1, role, required(name, role)));
            }
        }
    }

    static Role role(Kind kind, String field) {
        return switch (field) {
            case "image", "replicaId", "site", "master" -> Role.NAME;
            case "version", "parentVersion", "keep", "latest" -> Role.VERSION;
            case "uuid", "parentUuid", "receivedUuid" -> Role.UUID;
            case "createdAt", "retiredAt", "lastSeen", "at", "issuedAt", "updatedAt", "startedAt", "lastAppliedAt" ->
                    Role.INSTANT;
            case "sizeBytes", "bytes", "millis", "bytesPerSecond", "lagVersions" -> Role.NONNEG;
            case "outcome", "state", "errorClass", "valueEncoding" -> Role.ENUM;
            // A registration's codec is a preference: an unknown one reads as none announced.
            case "compression" -> kind == Kind.REPLICATION_TASK ? Role.ENUM : Role.OTHER;
            case "sshUser", "publicKeyFingerprint", "software", "taskId", "reason", "consumer", "topic" -> Role.TEXT;
            case "schemaVersion" -> Role.SCHEMA;
            case "type" -> Role.TYPE;
            default -> Role.OTHER;
        };
    }

    private static boolean required(String field, Role role) {
        return switch (role) {
            case NAME, UUID, INSTANT, TEXT, SCHEMA, TYPE -> !field.equals("parentUuid") && !field.equals("lastAppliedAt");
            case VERSION -> field.equals("version") || field.equals("keep");
            case ENUM -> field.equals("outcome") || field.equals("state") || field.equals("compression");
            default -> false;
        };
    }

    private String pickField(ObjectNode tree) {
        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        return names.get(random.nextInt(names.size()));
    }

    /** Where the JSON value starting at {@code from} ends (exclusive), for a compact document. */
    private static int valueEnd(String text, int from) {
        int depth = 0;
        boolean string = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (string) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    string = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return i;
                }
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return text.length();
    }

    private static List<JsonNode> texts(String... values) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String v : values) {
            nodes.add(F.textNode(v));
        }
        return nodes;
    }

    private static Mutated bytes(ObjectNode tree, String mutation) {
        try {
            return new Mutated(JSON.writeValueAsBytes(tree), mutation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 60 ? clean : clean.substring(0, 57) + "...";
    }
}
