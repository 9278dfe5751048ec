package dev.cloudwarden.identity;

import dev.cloudwarden.common.ApiProblem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A signed-in user's own sessions, API and console. Every method acts for the authenticated
 * principal only; another user's session, in this tenant or another, is answered like an unknown
 * one (404).
 */
@Service
public class CredentialsService {

    private final SessionTokens apiSessions;
    private final ConsoleSessions consoleSessions;
    private final TransactionTemplate tx;

    CredentialsService(SessionTokens apiSessions, ConsoleSessions consoleSessions, TransactionTemplate tx) {
        this.apiSessions = apiSessions;
        this.consoleSessions = consoleSessions;
        this.tx = tx;
    }

    public enum Kind {
        api, console
    }

    /** One of the user's live sessions; {@code current} marks the one the request came with. */
    public record SessionView(UUID id, Kind kind, Instant createdAt, Instant lastUsedAt, Instant expiresAt, boolean current) {
    }

    /**
     * The user's live sessions, oldest first.
     *
     * @param consoleSessionId the (stored) id of the console session the request came with, or null
     */
    public List<SessionView> sessions(CloudwardenPrincipal me, String consoleSessionId) {
        return tx.execute(s -> {
            List<SessionView> all = new ArrayList<>();
            apiSessions.listOf(me.userId()).forEach(r -> all.add(new SessionView(r.id(), Kind.api, r.createdAt(), r.lastUsedAt(),
                    r.expiresAt(), r.id().equals(me.sessionId()))));
            consoleSessions.listOf(me.userId()).forEach(r -> all.add(new SessionView(r.id(), Kind.console, r.createdAt(),
                    r.lastUsedAt(), r.expiresAt(), r.sessionId().equals(consoleSessionId))));
            all.sort(Comparator.comparing(SessionView::createdAt).thenComparing(SessionView::id));
            return all;
        });
    }

    /** Ends one of the user's sessions, API or console. 404 when they have no such live session. */
    public Kind revokeSession(CloudwardenPrincipal me, UUID id) {
        return tx.execute(s -> {
            if (apiSessions.revoke(me.userId(), id)) {
                return Kind.api;
            }
            if (consoleSessions.delete(me.userId(), id)) {
                return Kind.console;
            }
            throw ApiProblem.notFound();
        });
    }
}
