package dev.cloudwarden.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The lifecycle actions platform operators take from their console, with the same rules as the command
 * line ({@code ./cloudwarden tenant ...}): the database's own functions decide what is allowed. And the
 * subscription's state, for the tenant's own overview.
 */
public interface TenantLifecycle {

    /** A tenant's subscription: {@code active}, or {@code terminated} with its dates. */
    record Subscription(String status, Instant terminatedAt, Instant purgeAfter) {
    }

    /** What is left of a purged tenant: ids, dates and counts, no customer data. */
    record Tombstone(UUID tenant, Instant terminatedAt, Instant purgeAfter, Instant purgeStartedAt, Instant purgedAt,
                     Map<String, Long> rowCounts, long activitySeq, String activityHeadHash) {
    }

    /** The subscription of the tenant in scope (the console's overview shows it). */
    Subscription current();

    /** Terminates the tenant; {@code retention} null: the deployment's (at least 60 days outside dev). */
    Subscription terminate(UUID tenant, Duration retention);

    Subscription renew(UUID tenant);

    /** The newest tombstones first. */
    List<Tombstone> tombstones(int limit);

    /** How many tombstones there are of tenants whose id contains {@code idPart} (empty: all); see {@link #tombstones(String, int, int)}. */
    long countTombstones(String idPart);

    /** One page of those tombstones, newest first: a list that only grows, so the operators' console pages it in SQL. */
    List<Tombstone> tombstones(String idPart, int limit, int offset);
}
