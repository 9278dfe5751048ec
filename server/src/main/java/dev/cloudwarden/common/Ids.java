package dev.cloudwarden.common;

import java.util.UUID;
import java.util.function.Supplier;

/** Ids as clients send them: a malformed one is answered exactly like one that does not exist, so ids cannot be probed. */
public final class Ids {

    private Ids() {
    }

    /** An id from a path: 404 when it is not a UUID. */
    public static UUID fromPath(String id) {
        return parse(id, ApiProblem::notFound);
    }

    /** An id, or the problem {@code otherwise} makes (a path's 404, a body field's 400). */
    public static UUID parse(String id, Supplier<ApiProblem> otherwise) {
        try {
            if (id != null && id.length() == 36) {
                return UUID.fromString(id);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw otherwise.get();
    }
}
