package dev.cloudwarden.audit;

import java.util.Map;

/**
 * One activity event as the chain hashes it and an export carries it. Ids and times are strings in
 * their canonical form (lowercase UUIDs, {@link Canonical#time}); absent values are null.
 */
public record Event(String tenantId, long seq, String occurredAt, String action, String actorType, String actorId,
                    String targetType, String targetId, String sourceIp, String userAgent, Map<String, String> details,
                    String prevHash, String hash) {

    public Event {
        details = Map.copyOf(details);
    }

    /** The same event with its chain link and hash filled in. */
    public Event linkedTo(String previousHash) {
        Event linked = new Event(tenantId, seq, occurredAt, action, actorType, actorId, targetType, targetId, sourceIp, userAgent,
                details, previousHash, null);
        return new Event(tenantId, seq, occurredAt, action, actorType, actorId, targetType, targetId, sourceIp, userAgent,
                details, previousHash, java.util.HexFormat.of().formatHex(Canonical.eventHash(linked)));
    }
}
