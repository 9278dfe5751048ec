package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The activity events of ended sessions and revoked personal access tokens, one per session or
 * token (docs/activity.md), so each caller that ends one records it the same way. Call inside the
 * transaction that ends it, tenant in scope.
 *
 * <p>A session has no event of its own before it ends (its start is {@code user.signed_in} of its
 * user), so {@code session.ended} names the user as its target and the session's id as a detail: a
 * reader filtering by user sees every way that user's sign-ins ended. A token has its own
 * {@code token.created}, so {@code token.revoked} targets the token, as that does.
 */
@Component
class CredentialEvents {

    /** Why a session ended or a token was revoked: the {@code reason} detail. */
    enum Reason {
        LOGOUT("logout"),
        REVOKED("revoked"),
        USER_DISABLED("user_disabled"),
        PASSWORD_RESET("password_reset"),
        SUBSCRIPTION_ENDED("subscription_ended");

        final String id;

        Reason(String id) {
            this.id = id;
        }
    }

    private final ActivityLog activity;

    CredentialEvents(ActivityLog activity) {
        this.activity = activity;
    }

    void sessionEnded(UUID userId, CredentialsService.Kind kind, UUID sessionId, Reason reason) {
        activity.record(Action.SESSION_ENDED, Target.user(userId),
                Map.of("kind", kind.name(), "reason", reason.id, "session", sessionId.toString()));
    }

    void tokenRevoked(UUID tokenId, Reason reason) {
        if (reason == Reason.LOGOUT) {
            throw new IllegalArgumentException("a token is revoked, never logged out");
        }
        activity.record(Action.TOKEN_REVOKED, Target.token(tokenId), Map.of("reason", reason.id));
    }
}
