package org.icbd.rcs.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransferRequestTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "icbd-send/1 image=ubuntu version=3                       | ubuntu | 3 |   | NONE",
            "icbd-send/1 image=ubuntu version=3 parent=2              | ubuntu | 3 | 2 | NONE",
            "icbd-send/1 image=ubuntu version=3 parent=1 compress=lz4 | ubuntu | 3 | 1 | LZ4",
            "icbd-send/1 compress=lz4 version=12 image=win-11         | win-11 | 12 |  | LZ4",
            "icbd-send/1 image=ubuntu version=3 parent=2 compress=zstd | ubuntu | 3 | 2 | ZSTD",
    })
    void parsesValidRequests(String line, String image, int version, Integer parent, Compression compression) {
        TransferRequest r = TransferRequest.parse(line.strip());
        assertEquals(new TransferRequest(image, version, Optional.ofNullable(parent), compression), r);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "icbd-send/1 image=u version=3 offset=0                    | SEND | 3   |   | NONE | 0",
            "icbd-send/1 image=u version=3 offset=1048576 compress=zstd | SEND | 3   |   | ZSTD | 1048576",
            "icbd-send/1 offset=9000000000 image=u version=3 parent=1  | SEND | 3   | 1 | NONE | 9000000000",
            "icbd-stat/1 image=u version=3 parent=2 compress=lz4       | STAT | 3   | 2 | LZ4  | 0",
            "icbd-stat/1 image=u version=3                             | STAT | 3   |   | NONE | 0",
    })
    void parsesOffsetsAndStats(String line, TransferRequest.Verb verb, int version, Integer parent,
                               Compression compression, long offset) {
        TransferRequest r = TransferRequest.parse(line.strip());
        assertEquals(new TransferRequest(verb, "u", version, Optional.ofNullable(parent), compression, offset), r);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "icbd-send/1 image=u version=2 offset=01          | offset '01' is not a byte count",
            "icbd-send/1 image=u version=2 offset=-5          | offset '-5' is not a byte count",
            "icbd-send/1 image=u version=2 offset=            | offset '' is not a byte count",
            "icbd-send/1 image=u version=2 offset=1e6         | offset '1e6' is not a byte count",
            "icbd-send/1 image=u version=2 offset=9999999999999999999 | offset 9999999999999999999 is too large",
            "icbd-send/1 image=u version=2 offset=1 offset=2  | key 'offset' is given twice",
            "icbd-stat/1 image=u version=2 offset=10          | offset is only for icbd-send/1",
            "icbd-stat/2 image=u version=2                    | unknown command 'icbd-stat/2'",
            "icbd-send/1 image=u version=2 compress=none      | compress 'none' is unknown",
            "icbd-send/1 image=u version=2 compress=ZSTD      | compress 'ZSTD' is unknown",
            "icbd-send/1 image=u version=2 transport=ssh      | transport 'ssh' is unknown",
            "icbd-send/1 image=u version=2 transport=TCP      | transport 'TCP' is unknown",
            "icbd-send/1 image=u version=2 transport=tcp transport=tcp | key 'transport' is given twice",
            "icbd-stat/1 image=u version=2 transport=tcp      | transport is only for icbd-send/1",
    })
    void rejectsBadOffsetsAndStatsSayingWhy(String line, String expectedMessagePart) {
        TransferRequestException e = assertThrows(TransferRequestException.class, () -> TransferRequest.parse(line.strip()));
        assertTrue(e.getMessage().contains(expectedMessagePart), () -> "'" + e.getMessage() + "' for " + line);
    }

    @Test
    void theStatAndTheResumedSendNameTheSameStep() {
        TransferRequest send = TransferRequest.delta("u", 2, 3, Compression.ZSTD);
        assertEquals("icbd-stat/1 image=u version=3 parent=2 compress=zstd", send.stat().print());
        assertEquals("icbd-send/1 image=u version=3 parent=2 compress=zstd offset=77", send.withOffset(77).print());
        assertEquals(send, send.withOffset(77).withOffset(0));
        assertThrows(IllegalArgumentException.class, () -> send.withOffset(-1));
    }

    @Test
    void aTcpSendNamesItsTransportAndItsStatDoesNot() {
        TransferRequest tcp = TransferRequest.full("u", 3, Compression.NONE).withTransport(Transport.TCP).withOffset(9);
        assertEquals("icbd-send/1 image=u version=3 offset=9 transport=tcp", tcp.print());
        assertEquals(tcp, TransferRequest.parse("icbd-send/1 transport=tcp image=u offset=9 version=3"));
        assertEquals("icbd-stat/1 image=u version=3", tcp.stat().print());
        assertEquals(Transport.SSH, TransferRequest.parse("icbd-send/1 image=u version=3").transport());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                                              | empty request",
            "ls -la                                          | unknown command 'ls'",
            "icbd-send/2 image=u version=1                   | unknown command 'icbd-send/2'",
            "icbd-send/1 image=../x version=1                | image '../x' is not a valid image name",
            "icbd-send/1 image=u                             | version=<n> is missing",
            "icbd-send/1 version=1                           | image=<name> is missing",
            "icbd-send/1 image=u version=01                  | not a positive decimal integer",
            "icbd-send/1 image=u version=-1                  | not a positive decimal integer",
            "icbd-send/1 image=u version=0                   | not a positive decimal integer",
            "icbd-send/1 image=u version=99999999999         | too large",
            "icbd-send/1 image=u version=2 parent=2          | parent 2 is not older than version 2",
            "icbd-send/1 image=u version=2 parent=5          | parent 5 is not older than version 2",
            "icbd-send/1 image=u version=2 compress=gzip     | compress 'gzip' is unknown",
            "icbd-send/1 image=u version=2 image=v           | key 'image' is given twice",
            "icbd-send/1 image=u version=2 path=/etc         | unknown key 'path'",
            "icbd-send/1 image=u  version=2                  | exactly one space",
            "icbd-send/1 image=u version=2;rm -rf /          | '-rf' is not of the form key=value",
            "icbd-send/1 image=u version=2;rm                | not a positive decimal integer",
            "icbd-send/1 image=u version=2 rm                | not of the form key=value",
    })
    void rejectsAnythingElseSayingWhy(String line, String expectedMessagePart) {
        TransferRequestException e = assertThrows(TransferRequestException.class, () -> TransferRequest.parse(line));
        assertTrue(e.getMessage().contains(expectedMessagePart), () -> "'" + e.getMessage() + "' for " + line);
    }

    @ParameterizedTest
    @CsvSource({"'icbd-send/1 image=u version=2\n'", "'icbd-send/1 image=u version=2\t'", "'icbd-send/1 image=ü version=2'"})
    void rejectsControlAndNonAsciiCharacters(String line) {
        TransferRequestException e = assertThrows(TransferRequestException.class, () -> TransferRequest.parse(line));
        assertTrue(e.getMessage().contains("printable ASCII"), e.getMessage());
    }
}
