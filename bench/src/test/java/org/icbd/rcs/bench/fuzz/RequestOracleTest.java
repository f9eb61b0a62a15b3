package org.icbd.rcs.bench.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RequestOracleTest {

    @Test
    void aValidLineIsReadAsItsRequest() {
        assertEquals(Optional.of(new RequestOracle.Expected("icbd-send/1", "ubuntu", 3, Optional.of(2), "lz4", 0)),
                RequestOracle.judge("icbd-send/1 compress=lz4 parent=2 image=ubuntu version=3"));
        assertEquals(Optional.of(new RequestOracle.Expected("icbd-send/1", "a", 2147483647, Optional.empty(), "none", 0)),
                RequestOracle.judge("icbd-send/1 image=a version=2147483647"));
        assertEquals(Optional.of(new RequestOracle.Expected("icbd-send/1", "u", 2, Optional.empty(), "zstd", 1048576)),
                RequestOracle.judge("icbd-send/1 offset=1048576 image=u version=2 compress=zstd"));
        assertEquals(Optional.of(new RequestOracle.Expected("icbd-stat/1", "u", 2, Optional.of(1), "none", 0)),
                RequestOracle.judge("icbd-stat/1 image=u version=2 parent=1"));
        assertEquals(Optional.of(new RequestOracle.Expected("icbd-send/1", "u", 2, Optional.empty(), "none", 0, "tcp")),
                RequestOracle.judge("icbd-send/1 transport=tcp image=u version=2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "icbd-send/1", "icbd-send/1 image=ubuntu", "icbd-send/1 version=1",
            " icbd-send/1 image=u version=1", "icbd-send/1 image=u version=1 ", "icbd-send/1  image=u version=1",
            "icbd-send/2 image=u version=1", "icbd-send/1 image=U version=1", "icbd-send/1 image=u version=01",
            "icbd-send/1 image=u version=0", "icbd-send/1 image=u version=2147483648", "icbd-send/1 image=u version=1 parent=1",
            "icbd-send/1 image=u version=1 image=u", "icbd-send/1 image=u version=1 compress=brotli",
            "icbd-stat/1 image=u version=1 offset=0", "icbd-send/1 image=u version=1 offset=01",
            "icbd-send/1 image=u version=1 offset=-1", "icbd-send/1 image=u version=1 offset=1234567890123456789",
            "icbd-stat/2 image=u version=1", "icbd-send/1 image=u version=1 transport=ssh",
            "icbd-send/1 image=u version=1 transport=TCP", "icbd-stat/1 image=u version=1 transport=tcp",
            "icbd-send/1 image=u version=1 x=y", "icbd-send/1 image=../u version=1", "icbd-send/1 image=u\tversion=1",
            "icbd-send/1 image=u version=+1", "icbd-send/1 image=-u version=1"})
    void anInvalidLineIsRefused(String line) {
        assertTrue(RequestOracle.judge(line).isEmpty(), line);
    }
}
