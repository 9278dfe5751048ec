package dev.cloudwarden.identity.internal;

import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Ends every way a user is signed in or about to be: API sessions, console sessions, personal access
 * tokens and unused emailed links. The one place that knows the list, so disabling a user, resetting
 * a password ("I was hacked") and, later, terminating an organisation cannot forget one.
 */
@Component
class CredentialRevocation {

    private final SessionTokens apiSessions;
    private final ConsoleSessions consoleSessions;
    private final PersonalAccessTokens accessTokens;
    private final OneTimeTokens oneTimeTokens;

    CredentialRevocation(SessionTokens apiSessions, ConsoleSessions consoleSessions, PersonalAccessTokens accessTokens,
                         OneTimeTokens oneTimeTokens) {
        this.apiSessions = apiSessions;
        this.consoleSessions = consoleSessions;
        this.accessTokens = accessTokens;
        this.oneTimeTokens = oneTimeTokens;
    }

    /** Inside the caller's transaction, tenant in scope: the next request with any of them is anonymous. */
    void endEverythingOf(UUID userId) {
        apiSessions.revokeAllOf(userId);
        consoleSessions.deleteAllOf(userId);
        accessTokens.revokeAllOf(userId);
        for (OneTimeTokens.Purpose purpose : OneTimeTokens.Purpose.values()) {
            oneTimeTokens.voidUnused(purpose, userId);
        }
    }
}
