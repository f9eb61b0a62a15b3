package org.icbd.rcs.replica.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import org.icbd.rcs.testkit.TestKeys;
import org.junit.jupiter.api.Test;

class HostKeyPinTest {

    private final KeyPair master = TestKeys.generate();
    private final KeyPair other = TestKeys.generate();

    @Test
    void readsAPublicKeyLine() {
        assertEquals(master.getPublic(), HostKeyPin.parse(TestKeys.publicLine(master) + " root@master\n", "m", 2222));
    }

    @Test
    void picksTheKnownHostsLineOfTheMaster() {
        String knownHosts = "# pinned by the installer\n"
                + "[other.example]:2222 " + TestKeys.publicLine(other) + "\n"
                + "[master.example]:2222 " + TestKeys.publicLine(master) + "\n";
        assertEquals(master.getPublic(), HostKeyPin.parse(knownHosts, "master.example", 2222));
    }

    @Test
    void aKnownHostsFileWithoutTheMasterIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostKeyPin.parse("[other.example]:2222 " + TestKeys.publicLine(other), "master.example", 2222));
        assertTrue(e.getMessage().contains("[master.example]:2222"), e.getMessage());
    }

    @Test
    void emptyOrGarbageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HostKeyPin.parse("\n# nothing\n", "m", 22));
        assertThrows(IllegalArgumentException.class, () -> HostKeyPin.parse("ssh-ed25519 notbase64!", "m", 22));
    }
}
