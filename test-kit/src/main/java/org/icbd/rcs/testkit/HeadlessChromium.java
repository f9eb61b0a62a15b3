package org.icbd.rcs.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's {@code chromium}, headless, showing one page and driven over the DevTools protocol: the
 * page keeps running (its script polls, its DOM changes), and the test reads the DOM
 * ({@link #evaluate}) and takes screenshots ({@link #screenshot}) as often as it likes. The browser
 * says it is ready by writing {@code DevToolsActivePort} into its profile directory; nothing greps its
 * log. {@link #close()} kills it and deletes the profile.
 *
 * <p>A machine without chromium fails the test, naming the fix: {@code ops/prerequisites} installs it.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CALL = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending;

    private HeadlessChromium(Process process, Path profile, WebSocket socket,
                             Map<Integer, CompletableFuture<JsonNode>> pending) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
        this.pending = pending;
    }

    /** The chromium executable on the PATH. */
    public static Path executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("chromium is not installed (not on the PATH): the browser tests need "
                + "Debian's chromium; run 'sudo ops/prerequisites', which installs it (apt-get install -y chromium)");
    }

    /**
     * Starts chromium on {@code url}, its log in {@code logDir/chromium.log}.
     *
     * @throws IllegalStateException when chromium is missing or does not start within a minute
     */
    public static HeadlessChromium open(String url, Path logDir) throws IOException, InterruptedException {
        Path exe = executable();
        Files.createDirectories(logDir);
        Path profile = Files.createTempDirectory("icbd-chromium-");
        List<String> argv = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=*",
                "--window-size=1400,1000", url));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(logDir.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + START.toNanos();
            List<String> lines = List.of();
            while (lines.size() < 2) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("chromium exited with " + process.exitValue() + " before it served"
                            + " DevTools; see " + logDir.resolve("chromium.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("chromium did not serve DevTools within " + START.toSeconds()
                            + " s; see " + logDir.resolve("chromium.log"));
                }
                if (Files.exists(portFile)) {
                    lines = Files.readAllLines(portFile);
                }
                if (lines.size() < 2) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
            int port = Integer.parseInt(lines.get(0).strip());
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            while (pageSocket == null) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText()) && t.hasNonNull("webSocketDebuggerUrl")) {
                        pageSocket = t.get("webSocketDebuggerUrl").asText();
                    }
                }
                if (pageSocket == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("chromium shows no page after " + START.toSeconds() + " s");
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
            Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                private final StringBuilder message = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    message.append(data);
                    if (last) {
                        String text = message.toString();
                        message.setLength(0);
                        try {
                            JsonNode node = JSON.readTree(text);
                            if (node.has("id")) {
                                CompletableFuture<JsonNode> f = pending.remove(node.get("id").asInt());
                                if (f != null) {
                                    f.complete(node);
                                }
                            }
                        } catch (IOException e) {
                            // Not a reply of ours: events are ignored.
                        }
                    }
                    ws.request(1);
                    return null;
                }
            }).get(CALL.toSeconds(), TimeUnit.SECONDS);
            return new HeadlessChromium(process, profile, socket, pending);
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            TestPool.delete(profile);
            throw e;
        } catch (Exception e) {
            process.destroyForcibly();
            TestPool.delete(profile);
            throw new IllegalStateException("cannot drive chromium over DevTools: " + e, e);
        }
    }

    /** Sends one DevTools command and returns its {@code result}. */
    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        try {
            socket.sendText(command.toString(), true).get(CALL.toSeconds(), TimeUnit.SECONDS);
            JsonNode answer = reply.get(CALL.toSeconds(), TimeUnit.SECONDS);
            if (answer.has("error")) {
                throw new IllegalStateException("chromium refused " + method + ": " + answer.get("error"));
            }
            return answer.get("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for chromium's answer to " + method, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("chromium did not answer " + method + " within " + CALL.toSeconds() + " s", e);
        } finally {
            pending.remove(id);
        }
    }

    /** Evaluates {@code expression} in the page and returns its value as JSON (strings, numbers, arrays, objects). */
    public JsonNode evaluate(String expression) {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw evaluating " + expression + ": "
                    + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** The page's DOM as HTML, as {@code --dump-dom} prints it. */
    public String dom() {
        return evaluate("document.documentElement.outerHTML").asText();
    }

    /** Saves a PNG of the page as it is now. */
    public Path screenshot(Path file) {
        JsonNode result = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
                .put("captureBeyondViewport", true));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(result.get("data").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the screenshot " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    @Override
    public void close() {
        // Taken before the browser ends: its helpers are reparented once it is gone.
        List<ProcessHandle> helpers = process.descendants().toList();
        try {
            socket.abort();
        } finally {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            helpers.forEach(ProcessHandle::destroyForcibly);
            TestPool.delete(profile);
        }
    }
}
