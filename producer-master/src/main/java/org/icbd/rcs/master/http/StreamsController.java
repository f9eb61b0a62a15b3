package org.icbd.rcs.master.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;
import org.icbd.rcs.master.service.MasterApplication;
import org.icbd.rcs.master.service.MasterService;
import org.icbd.rcs.master.stream.StreamStore;

/** {@code GET /streams}: the master's stored streams, as its stream store knows them now. */
@Requires(env = MasterApplication.ENVIRONMENT)
@Controller("/streams")
@ExecuteOn(TaskExecutors.BLOCKING)
public class StreamsController {

    private final StreamStore streams;

    public StreamsController(MasterService master) {
        this.streams = master.sendServer().streams();
    }

    @Get
    public List<StreamView> streams() {
        return streams.list().stream().map(StreamView::of).toList();
    }
}
