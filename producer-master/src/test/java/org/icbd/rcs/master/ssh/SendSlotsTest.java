package org.icbd.rcs.master.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SendSlotsTest {

    @Test
    void slotsAreCountedAndGivenBackOnce() throws InterruptedException {
        SendSlots slots = new SendSlots(2);
        SendSlots.Slot a = slots.tryAcquire().orElseThrow();
        SendSlots.Slot b = slots.acquire(Duration.ZERO).orElseThrow();
        assertEquals(2, slots.inUse());
        assertTrue(slots.tryAcquire().isEmpty());
        assertTrue(slots.acquire(Duration.ofMillis(10)).isEmpty());
        a.close();
        a.close();
        assertEquals(1, slots.inUse(), "closing twice gives back one slot");
        b.close();
        assertEquals(0, slots.inUse());
        Optional<SendSlots.Slot> c = slots.tryAcquire();
        assertTrue(c.isPresent());
    }

    @Test
    void atLeastOneSlot() {
        assertThrows(IllegalArgumentException.class, () -> new SendSlots(0));
    }

    @Test
    void settingsNameTheSettingTheyReject() {
        var e = assertThrows(IllegalArgumentException.class, () -> SendServerSettings
                .defaults(java.nio.file.Path.of("k"), java.nio.file.Path.of("a")).withPort(70000));
        assertEquals("icbd.master.ssh-port 70000 is out of range 0-65535", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SendServerSettings
                .defaults(java.nio.file.Path.of("k"), java.nio.file.Path.of("a")).withMaxConcurrentSends(0));
        assertTrue(e.getMessage().startsWith("icbd.master.max-concurrent-sends"));
    }
}
