package org.icbd.rcs.replica.pull;

import java.util.Objects;
import org.icbd.rcs.events.Fields;

/**
 * A source this replica pulls from: the master ({@link org.icbd.rcs.events.Sources#MASTER}) or a
 * serving replica of its site, configured by the operator with its address and pinned host key. A
 * step names a source only by id; the address is always this list's.
 */
public record TrustedSource(String id, MasterEndpoint endpoint) {

    public TrustedSource {
        Fields.name(id, "id");
        Objects.requireNonNull(endpoint, "endpoint");
    }
}
