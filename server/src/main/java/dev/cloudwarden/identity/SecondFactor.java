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

    /** The kind of code a sign-in was completed with (the activity history records it). */
    enum Method {
        TOTP("totp"),
        RECOVERY_CODE("recovery_code");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        /** The name the activity history uses ({@code second_factor} of {@code user.signed_in}). */
        public String id() {
            return id;
        }
    }

    /** What a check found; {@code method} is the kind of code accepted, null unless {@code result} is ACCEPTED. */
    record Check(Result result, Method method) {
        public Check {
            if ((result == Result.ACCEPTED) != (method != null)) {
                throw new IllegalArgumentException("an accepted code names its method, and only an accepted one");
            }
        }
    }

    /**
     * Checks a TOTP code or a recovery code of a user of the tenant in scope whose MFA is enabled,
     * and consumes it when accepted (the time step, or the recovery code, cannot be used again).
     */
    Check verify(UUID userId, Secret code);
}
