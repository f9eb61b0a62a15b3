package org.icbd.rcs.replica.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HttpSettingTest {

    private static ReplicaSettings.Http port(int port) {
        ReplicaSettings.Http http = new ReplicaSettings.Http();
        http.setPort(port);
        return http;
    }

    @Test
    void offByDefault() {
        assertEquals(OptionalInt.empty(), new ReplicaSettings.Http().checkPort());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 9102, 65535})
    void anyFreePortOrATcpPortIsServed(int p) {
        assertEquals(OptionalInt.of(p), port(p).checkPort());
    }

    @ParameterizedTest
    @ValueSource(ints = {-2, 65536, Integer.MAX_VALUE})
    void anythingElseIsRefusedNamingTheSetting(int p) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> port(p).checkPort());
        assertTrue(e.getMessage().contains("icbd.replica.http.port"), e.getMessage());
    }
}
