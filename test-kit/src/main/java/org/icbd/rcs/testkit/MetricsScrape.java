package org.icbd.rcs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One scrape of a Prometheus {@code /metrics} endpoint over real HTTP, and the samples in it.
 * Reads the text exposition format: {@code name{tag="value",...} number}, comments skipped.
 */
public final class MetricsScrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final String text;
    private final List<Sample> samples;

    /** One sample line. */
    public record Sample(String name, Map<String, String> tags, double value) {
    }

    private MetricsScrape(String text, List<Sample> samples) {
        this.text = text;
        this.samples = samples;
    }

    /** GETs {@code url} (e.g. {@code http://127.0.0.1:8080/metrics}); fails unless it answers 200. */
    public static MetricsScrape of(URI url) {
        HttpResponse<String> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping " + url, e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        String contentType = response.headers().firstValue("content-type").orElse("");
        if (!contentType.startsWith("text/plain")) {
            throw new IllegalStateException(url + " answered content type '" + contentType + "', not text/plain");
        }
        return parse(response.body());
    }

    public static MetricsScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int brace = l.indexOf('{');
            int space = l.lastIndexOf(' ');
            String name;
            Map<String, String> tags = new java.util.LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = l.substring(0, brace);
                int close = l.lastIndexOf('}');
                String inner = l.substring(brace + 1, close);
                for (String pair : inner.split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        String v = pair.substring(eq + 1).strip();
                        if (v.endsWith(",")) {
                            v = v.substring(0, v.length() - 1);
                        }
                        tags.put(pair.substring(0, eq).strip(), v.substring(1, v.length() - 1));
                    }
                }
            } else {
                name = l.substring(0, space);
            }
            samples.add(new Sample(name, Map.copyOf(tags), Double.parseDouble(l.substring(space + 1).strip())));
        }
        return new MetricsScrape(text, List.copyOf(samples));
    }

    /** The value of the sample named {@code name} with at least the tags {@code tagPairs} (k, v, k, v...). */
    public OptionalDouble find(String name, String... tagPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && hasTags(s, tagPairs))
                .mapToDouble(Sample::value).findFirst();
    }

    /** Like {@link #find}, 0 when there is no such sample (a counter not yet incremented). */
    public double value(String name, String... tagPairs) {
        return find(name, tagPairs).orElse(0);
    }

    /** Like {@link #find}, failing with the whole scrape when there is no such sample. */
    public double require(String name, String... tagPairs) {
        return find(name, tagPairs).orElseThrow(() -> new AssertionError("no sample " + name + " "
                + List.of(tagPairs) + " in:\n" + text));
    }

    public List<Sample> samples() {
        return samples;
    }

    public String text() {
        return text;
    }

    private static boolean hasTags(Sample s, String... tagPairs) {
        for (int i = 0; i + 1 < tagPairs.length; i += 2) {
            if (!tagPairs[i + 1].equals(s.tags().get(tagPairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
