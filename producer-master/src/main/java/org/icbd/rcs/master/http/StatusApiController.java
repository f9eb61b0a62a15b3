package org.icbd.rcs.master.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import org.icbd.rcs.master.service.MasterApplication;
import org.icbd.rcs.master.service.MasterService;
import org.icbd.rcs.master.status.StatusFeed;

/**
 * The JSON behind the status page, from the master's live copy of the status topics
 * ({@link StatusFeed}): {@code GET /api/status} (every pair, how old the records are, the planner's
 * heartbeat) and {@code GET /api/replicas} (the phone book).
 */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/api")
public class StatusApiController {

    private final MasterService master;

    public StatusApiController(MasterService master) {
        this.master = master;
    }

    @Get(value = "/status", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> status() {
        return HttpResponse.ok(master.statusFeed().statusJson(StatusFeed.DEFAULT_PLANNER_SILENT_AFTER))
                .contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Get(value = "/replicas", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> replicas() {
        return HttpResponse.ok(master.statusFeed().replicasJson(StatusFeed.DEFAULT_OFFLINE_AFTER))
                .contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
