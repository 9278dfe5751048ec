package dev.cloudwarden.identity.internal;

import java.util.UUID;
import org.springframework.security.core.AuthenticationException;

/**
 * Console sign-in: the password was right, but the account uses MFA. Nobody is signed in yet; the
 * failure handler ({@link ConsoleSecondFactor}) remembers who is half-way and asks for the code.
 */
class SecondFactorRequiredException extends AuthenticationException {

    private final UUID tenantId;
    private final UUID userId;

    SecondFactorRequiredException(UUID tenantId, UUID userId) {
        super("A second factor is required.");
        this.tenantId = tenantId;
        this.userId = userId;
    }

    UUID tenantId() {
        return tenantId;
    }

    UUID userId() {
        return userId;
    }
}
