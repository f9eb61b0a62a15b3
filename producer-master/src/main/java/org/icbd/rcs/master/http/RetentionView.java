package org.icbd.rcs.master.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import org.icbd.rcs.master.lifecycle.RetentionDecision;

/**
 * {@code GET /images/{image}/retention}: what master retention decides for the image now, from the
 * disk and the fleet of the latest reconcile round.
 *
 * @param keep      the master's {@code keep}; null when it prunes nothing (the decision then keeps
 *                  every live version)
 * @param delete    the live versions the next round retires, oldest first
 * @param lapsed    the subscribed replicas OFFLINE past the limit: they protect nothing
 * @param fleetAt   when the fleet was read; the epoch before the first round
 */
@Serdeable
public record RetentionView(@Nullable Integer keep, @JsonInclude(JsonInclude.Include.ALWAYS) List<Integer> delete,
                            @JsonInclude(JsonInclude.Include.ALWAYS) List<Lapsed> lapsed, Instant fleetAt) {

    /** Copies the lists. */
    public RetentionView {
        delete = List.copyOf(delete);
        lapsed = List.copyOf(lapsed);
    }

    static RetentionView of(@Nullable Integer keep, RetentionDecision decision, Instant fleetAt) {
        return new RetentionView(keep, decision.delete(), decision.lapsed().stream().map(l -> new Lapsed(
                l.replicaId(), l.offlineSince(), l.willReseed(), l.explain())).toList(), fleetAt);
    }

    /**
     * One lapsed replica.
     *
     * @param willReseed true iff none of its versions stays on the master: it will re-seed (a full send)
     * @param explain    the same sentence the master logs
     */
    @Serdeable
    public record Lapsed(String replicaId, Instant offlineSince, boolean willReseed, String explain) {
    }
}
