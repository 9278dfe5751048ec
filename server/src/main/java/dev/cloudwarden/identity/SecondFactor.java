package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import java.util.UUID;

/**
 * The second factor of a sign-in, implemented by the MFA module. Identity asks for it only after
 * the password was right, so a wrong email or password answers the same whatever a user's MFA state.
 */
public interface SecondFactor {

    enum Result {
        /** The code was right and fresh; it is now used up. */
        ACCEPTED,
        /** Wrong, malformed, outside the time window, or already used. */
        REJECTED,
        /** Too many wrong codes in a row: no code is checked until the back-off has passed. */
        LOCKED
    }

    /**
     * Checks a TOTP code or a recovery code of a user of the tenant in scope whose MFA is enabled,
     * and consumes it when accepted (the time step, or the recovery code, cannot be used again).
     */
    Result verify(UUID userId, Secret code);
}
