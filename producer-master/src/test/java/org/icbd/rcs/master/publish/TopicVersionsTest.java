package org.icbd.rcs.master.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.lifecycle.CompactNotation;
import org.icbd.rcs.master.repo.ImageVersion;
import org.junit.jupiter.api.Test;

class TopicVersionsTest {

    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static String uuid(int v) {
        return String.format("00000000-0000-0000-0000-%012d", v);
    }

    private static ImageVersionEvent published(int v) {
        return ImageVersionPublished.of("ubuntu", v, uuid(v), Optional.empty(), Optional.empty(), 1, T, "hq");
    }

    private static ImageVersionEvent retired(int v) {
        return ImageVersionRetired.of("ubuntu", v, uuid(v), T, "hq");
    }

    private static ImageVersion onDisk(int v) {
        return new ImageVersion("ubuntu", v, uuid(v), Optional.empty(), Optional.empty(), T, 1,
                Path.of("/pool/images/ubuntu/versions/" + v));
    }

    @Test
    void theLastWordOnAVersionCountsAndARetiredOneStaysRetired() {
        TopicVersions topic = TopicVersions.of(List.of(published(1), published(2), retired(1), published(1),
                published(2)));

        assertEquals(new TopicVersions.Known(uuid(1), true), topic.of("ubuntu").get(1));
        assertEquals(new TopicVersions.Known(uuid(2), false), topic.of("ubuntu").get(2));
    }

    @Test
    void aCorrectionOfTheKnownUuidReplacesItAndAnyOtherIsIgnored() {
        ImageVersionPublished real = ImageVersionPublished.of("ubuntu", 2, uuid(2), Optional.empty(),
                Optional.empty(), 1, T, "hq");
        ImageVersionEvent forged = ImageVersionPublished.of("ubuntu", 2, uuid(92), Optional.empty(),
                Optional.empty(), 1, T, "hq");

        assertEquals(new TopicVersions.Known(uuid(2), false),
                TopicVersions.of(List.of(forged, real, real.correcting(uuid(92)))).of("ubuntu").get(2));
        assertEquals(new TopicVersions.Known(uuid(92), false),
                TopicVersions.of(List.of(forged, real.correcting(uuid(93)))).of("ubuntu").get(2));
    }

    @Test
    void aRetirementNamingAnotherUuidRetiresNothing() {
        ImageVersionEvent forgedRetirement = ImageVersionRetired.of("ubuntu", 1, uuid(91), T, "hq");

        assertEquals(new TopicVersions.Known(uuid(1), false),
                TopicVersions.of(List.of(published(1), forgedRetirement)).of("ubuntu").get(1));
        assertEquals(new TopicVersions.Known(uuid(1), true),
                TopicVersions.of(List.of(published(1), forgedRetirement, retired(1))).of("ubuntu").get(1));
    }

    @Test
    void historyIsLiveOnlyWhereTheSnapshotIsOnDiskAndTheTopicHasNotRetiredIt() {
        TopicVersions topic = TopicVersions.of(List.of(published(1), published(2), published(3), retired(3),
                published(4)));

        // 1 published but gone from disk; 2 on disk; 3 retired (still on disk: an interrupted retire);
        // 4 published, on disk; 5 on disk, not yet in the topic.
        assertEquals(CompactNotation.parseHistory("x1,2,x3,4,5"),
                topic.history("ubuntu", List.of(onDisk(2), onDisk(3), onDisk(4), onDisk(5))));
        assertEquals(CompactNotation.parseHistory("1"), topic.history("debian", List.of(
                new ImageVersion("debian", 1, uuid(1), Optional.empty(), Optional.empty(), T, 1, Path.of("/p")))));
    }
}
