package org.icbd.rcs.master.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.icbd.rcs.master.service.MasterApplication;

/**
 * {@code GET /}: the live status page, one static HTML file with its script and styles inline
 * (no build step, nothing fetched from elsewhere). The page polls {@code /api/status},
 * {@code /api/replicas}, {@code /images} and {@code /images/{image}/versions} every second.
 */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller
public class StatusPageController {

    static final String PAGE = "/public/status.html";

    private final String html;

    public StatusPageController() {
        try (InputStream in = StatusPageController.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("the status page " + PAGE + " is missing from the classpath");
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status page " + PAGE + ": " + e.getMessage(), e);
        }
    }

    @Get(produces = MediaType.TEXT_HTML)
    public HttpResponse<String> page() {
        return HttpResponse.ok(html).contentType(MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-cache");
    }
}
