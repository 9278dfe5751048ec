package dev.cloudwarden.identity.internal;

import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Ends every way a user is signed in or about to be: API sessions, console sessions, personal access
 * tokens and unused emailed links. The one place that knows the list, so disabling a user, resetting
 * a password ("I was hacked") and, later, terminating an organisation cannot forget one. Each live
 * session and token it ends is recorded (one event each, {@link CredentialEvents}); expired ones
 * had ended already and are not.
 */
@Component
class CredentialRevocation {

    private final SessionTokens apiSessions;
    private final ConsoleSessions consoleSessions;
    private final PersonalAccessTokens accessTokens;
    private final OneTimeTokens oneTimeTokens;
    private final CredentialEvents events;

    CredentialRevocation(SessionTokens apiSessions, ConsoleSessions consoleSessions, PersonalAccessTokens accessTokens,
                         OneTimeTokens oneTimeTokens, CredentialEvents events) {
        this.apiSessions = apiSessions;
        this.consoleSessions = consoleSessions;
        this.accessTokens = accessTokens;
        this.oneTimeTokens = oneTimeTokens;
        this.events = events;
    }

    /** Inside the caller's transaction, tenant in scope: the next request with any of them is anonymous. */
    void endEverythingOf(UUID userId, CredentialEvents.Reason reason) {
        for (UUID session : apiSessions.revokeAllOf(userId)) {
            events.sessionEnded(userId, CredentialsService.Kind.api, session, reason);
        }
        for (UUID session : consoleSessions.deleteAllOf(userId)) {
            events.sessionEnded(userId, CredentialsService.Kind.console, session, reason);
        }
        for (UUID token : accessTokens.revokeAllOf(userId)) {
            events.tokenRevoked(token, reason);
        }
        for (OneTimeTokens.Purpose purpose : OneTimeTokens.Purpose.values()) {
            oneTimeTokens.voidUnused(purpose, userId);
        }
    }
}
