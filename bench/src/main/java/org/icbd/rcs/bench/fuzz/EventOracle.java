package org.icbd.rcs.bench.fuzz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;

/**
 * The rules of every event, from DESIGN.md and the topic table, written down a second time: what
 * an accepted value must satisfy. A reader that hands out a value breaking one of them accepted a
 * bad input. Names and uuids are checked with this class's own patterns, not the events' own.
 */
final class EventOracle {

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,63}$");
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$");

    private EventOracle() {
    }

    /** What is wrong with an accepted value; empty when it is a valid event. */
    static List<String> problems(Object event) {
        List<String> p = new ArrayList<>();
        if (event instanceof ImageVersionPublished e) {
            schema(p, e.schemaVersion());
            name(p, "image", e.image());
            positive(p, "version", e.version());
            uuid(p, "uuid", e.uuid());
            pair(p, "parent", e.parentVersion(), e.parentUuid());
            e.parentVersion().ifPresent(v -> older(p, v, e.version()));
            e.parentUuid().ifPresent(u -> uuid(p, "parentUuid", u));
            nonNegative(p, "sizeBytes", e.sizeBytes());
            present(p, "createdAt", e.createdAt());
            name(p, "master", e.master());
        } else if (event instanceof ImageVersionRetired e) {
            schema(p, e.schemaVersion());
            name(p, "image", e.image());
            positive(p, "version", e.version());
            uuid(p, "uuid", e.uuid());
            present(p, "retiredAt", e.retiredAt());
            name(p, "master", e.master());
        } else if (event instanceof ReplicaRegistered e) {
            schema(p, e.schemaVersion());
            name(p, "replicaId", e.replicaId());
            name(p, "site", e.site());
            Set<String> seen = new HashSet<>();
            for (Subscription s : e.subscriptions()) {
                name(p, "subscriptions.image", s.image());
                if (s.keep() < 1) {
                    p.add("subscriptions.keep " + s.keep() + " < 1");
                }
                if (!seen.add(s.image())) {
                    p.add("subscription " + s.image() + " twice");
                }
            }
            text(p, "sshUser", e.sshUser());
            text(p, "publicKeyFingerprint", e.publicKeyFingerprint());
            text(p, "software", e.software());
            present(p, "lastSeen", e.lastSeen());
        } else if (event instanceof ReplicaImageState e) {
            schema(p, e.schemaVersion());
            name(p, "replicaId", e.replicaId());
            name(p, "image", e.image());
            Set<Integer> seen = new HashSet<>();
            for (HeldVersion h : e.versions()) {
                positive(p, "versions.version", h.version());
                uuid(p, "versions.receivedUuid", h.receivedUuid());
                if (!seen.add(h.version())) {
                    p.add("version " + h.version() + " held twice");
                }
            }
            e.lastStep().ifPresent(s -> step(p, s));
            e.transfer().ifPresent(t -> transfer(p, t));
            present(p, "at", e.at());
        } else if (event instanceof ReplicationTask e) {
            schema(p, e.schemaVersion());
            text(p, "taskId", e.taskId());
            name(p, "replicaId", e.replicaId());
            name(p, "image", e.image());
            e.expectHave().forEach(v -> positive(p, "expectHave", v));
            if (e.steps().isEmpty()) {
                p.add("no steps");
            }
            int last = 0;
            for (TransferStep s : e.steps()) {
                positive(p, "steps.version", s.version());
                uuid(p, "steps.uuid", s.uuid());
                pair(p, "steps.parent", s.parentVersion(), s.parentUuid());
                s.parentVersion().ifPresent(v -> older(p, v, s.version()));
                s.parentUuid().ifPresent(u -> uuid(p, "steps.parentUuid", u));
                if (s.version() <= last) {
                    p.add("steps do not ascend at " + s.version());
                }
                last = s.version();
            }
            present(p, "compression", e.compression());
            present(p, "issuedAt", e.issuedAt());
        } else if (event instanceof ReplicationStatus e) {
            schema(p, e.schemaVersion());
            name(p, "replicaId", e.replicaId());
            name(p, "site", e.site());
            name(p, "image", e.image());
            e.latest().ifPresent(v -> positive(p, "latest", v));
            present(p, "state", e.state());
            if (e.lagVersions() < 0) {
                p.add("lagVersions < 0");
            }
            e.transfer().ifPresent(t -> transfer(p, t));
            present(p, "updatedAt", e.updatedAt());
        } else if (event instanceof DeadLetter e) {
            schema(p, e.schemaVersion());
            text(p, "topic", e.topic());
            if (e.value().isPresent() != e.valueEncoding().isPresent()) {
                p.add("value without encoding or encoding without value");
            }
            e.valueEncoding().filter(x -> !x.equals("utf8") && !x.equals("base64"))
                    .ifPresent(x -> p.add("valueEncoding " + x));
            text(p, "reason", e.reason());
            text(p, "consumer", e.consumer());
            present(p, "at", e.at());
        } else {
            p.add("not an event of this system: " + event.getClass().getName());
        }
        return p;
    }

    private static void step(List<String> p, StepReport s) {
        text(p, "lastStep.taskId", s.taskId());
        positive(p, "lastStep.version", s.version());
        present(p, "lastStep.outcome", s.outcome());
        boolean failed = s.outcome() == Outcome.FAILED;
        if (failed && (s.errorClass().isEmpty() || s.error().isEmpty())) {
            p.add("FAILED without errorClass and error");
        }
        if (!failed && (s.errorClass().isPresent() || s.error().isPresent())) {
            p.add("APPLIED with an error");
        }
        if (failed && s.hook().isPresent()) {
            p.add("a hook reported for a FAILED step");
        }
        nonNegative(p, "lastStep.bytes", s.bytes());
        nonNegative(p, "lastStep.millis", s.millis());
        s.hook().ifPresent(h -> {
            boolean zero = h.exitCode().isPresent() && h.exitCode().get() == 0;
            if (zero == h.error().isPresent()) {
                p.add("hook error present iff exit 0");
            }
            h.error().ifPresent(x -> text(p, "hook.error", x));
            nonNegative(p, "hook.millis", h.millis());
        });
    }

    private static void transfer(List<String> p, TransferProgress t) {
        text(p, "transfer.taskId", t.taskId());
        positive(p, "transfer.version", t.version());
        t.parentVersion().ifPresent(v -> positive(p, "transfer.parentVersion", v));
        nonNegative(p, "transfer.bytes", t.bytes());
        nonNegative(p, "transfer.bytesPerSecond", t.bytesPerSecond());
        present(p, "transfer.startedAt", t.startedAt());
    }

    private static void schema(List<String> p, int v) {
        if (v != 1) {
            p.add("schemaVersion " + v);
        }
    }

    private static void name(List<String> p, String field, String v) {
        if (v == null || !NAME.matcher(v).matches()) {
            p.add(field + " '" + v + "' is not a name");
        }
    }

    private static void uuid(List<String> p, String field, String v) {
        if (v == null || !UUID.matcher(v).matches()) {
            p.add(field + " '" + v + "' is not a canonical uuid");
        }
    }

    private static void positive(List<String> p, String field, Integer v) {
        if (v == null || v <= 0) {
            p.add(field + " " + v + " is not positive");
        }
    }

    private static void nonNegative(List<String> p, String field, long v) {
        if (v < 0) {
            p.add(field + " " + v + " is negative");
        }
    }

    private static void older(List<String> p, int parent, int version) {
        if (parent >= version) {
            p.add("parent " + parent + " is not older than " + version);
        }
    }

    private static <A, B> void pair(List<String> p, String field, Optional<A> a, Optional<B> b) {
        if (a.isPresent() != b.isPresent()) {
            p.add(field + " version and uuid not both present");
        }
    }

    private static void text(List<String> p, String field, String v) {
        if (v == null || v.isBlank()) {
            p.add(field + " is blank");
        }
    }

    private static void present(List<String> p, String field, Object v) {
        if (v == null) {
            p.add(field + " is missing");
        }
    }
}
