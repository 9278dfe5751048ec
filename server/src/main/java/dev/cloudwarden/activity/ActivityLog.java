package dev.cloudwarden.activity;

import java.util.Map;
import java.util.UUID;

/**
 * The one way to record what happened. Call it inside the transaction of the change it describes:
 * the event commits with the change or not at all (outside a transaction it refuses). Who acted, for
 * which tenant, from which address and browser come from the request and the signed-in principal,
 * never from the caller. Detail values not declared clear by the {@link Action} are replaced by the
 * tenant's keyed hash before anything is written.
 *
 * <p>Platform actions ({@link Action.Log#PLATFORM}) go to the platform's own chain: in the caller's
 * transaction when it was opened in the platform's scope ({@link #PLATFORM} as the tenant), otherwise
 * in a transaction of their own (a sign-in failure for an unknown email changes nothing to join).
 */
public interface ActivityLog {

    /** The chain id of the platform's own log (no tenant has it). */
    UUID PLATFORM = new UUID(0, 0);

    void record(Action action, Target target, Map<String, ?> details);

    default void record(Action action, Target target) {
        record(action, target, Map.of());
    }
}
