package org.icbd.rcs.master.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.fixture.ClientKeys;
import org.icbd.rcs.master.fixture.SshExec;
import org.icbd.rcs.master.fixture.TestPool;
import org.icbd.rcs.master.repo.ImageRepository;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throughput of a full stream over loopback (not part of the regular build: run with
 * {@code -Dicbd.bench=true -Dit.test=SendThroughputIT}). 1 GiB of incompressible data; the numbers go
 * to the log.
 */
class SendThroughputIT {

    private static final Logger log = LoggerFactory.getLogger(SendThroughputIT.class);
    private static final long SIZE = 1L << 30;

    @Test
    void fullStreamOverLoopback() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("icbd.bench"), "a benchmark: -Dicbd.bench=true");
        Path tmp = Files.createTempDirectory("icbd-bench-");
        try (TestPool master = TestPool.create("bench-master", 3L << 30);
             TestPool replica = TestPool.create("bench-replica", 3L << 30)) {
            CommandRunner runner = new CommandRunner();
            BtrfsTool btrfs = new BtrfsTool(runner);
            ImageRepository repository = new ImageRepository(master.root(), runner);
            Path work = repository.init("big");
            writeIncompressible(work.resolve("disk.img"));
            repository.snapshotNext("big");
            ClientKeys keys = ClientKeys.generate(tmp.resolve("keys"), "bench");
            Files.writeString(tmp.resolve("authorized_keys"), keys.authorizedKeyLine() + "\n");
            SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host_key"),
                    tmp.resolve("authorized_keys")).withHost("127.0.0.1").withPort(0);
            try (SendServer server = SendServer.start(settings, repository);
                 SshExec ssh = new SshExec(server.hostKey(), server.port())) {
                for (String compress : new String[] {"", " compress=lz4"}) {
                    long start = System.nanoTime();
                    long[] bytes = {0};
                    SshExec.Result r = ssh.exec(keys.keyPair(), "icbd-send/1 image=big version=1" + compress,
                            in -> bytes[0] = (compress.isEmpty() ? in : new LZ4FrameInputStream(in))
                                    .transferTo(OutputStream.nullOutputStream()), line -> { });
                    assertEquals(0, r.exitStatus(), r.stderr());
                    log.info("BENCH send only{}: {} bytes in {} ms = {} MB/s", compress, bytes[0], millis(start),
                            bytes[0] / 1000 / millis(start));
                }
                Path into = Files.createDirectories(replica.root().resolve("in"));
                long start = System.nanoTime();
                SshExec.Result r = ssh.exec(keys.keyPair(), "icbd-send/1 image=big version=1",
                        in -> btrfs.receive(into, in), line -> { });
                assertEquals(0, r.exitStatus(), r.stderr());
                log.info("BENCH send | receive: {} bytes in {} ms = {} MB/s", SIZE, millis(start),
                        SIZE / 1000 / millis(start));
            }
        } finally {
            TestPool.delete(tmp);
        }
    }

    private static long millis(long startNanos) {
        return Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Random 4 MiB blocks, each one varied: incompressible for LZ4's 64 KiB window, cheap to write. */
    private static void writeIncompressible(Path file) throws IOException {
        byte[] block = new byte[4 << 20];
        new Random(7).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0, i = 0; written < SIZE; written += block.length, i++) {
                block[(int) (i % block.length)] ^= 1;
                out.write(block);
            }
        }
    }

}
