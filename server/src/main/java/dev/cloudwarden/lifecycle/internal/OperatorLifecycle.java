package dev.cloudwarden.lifecycle.internal;

import dev.cloudwarden.lifecycle.TenantLifecycle;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** {@link TenantLifecycle}: the same services the command line and the subscription API call. */
@Component
class OperatorLifecycle implements TenantLifecycle {

    private final Subscriptions subscriptions;
    private final TenantPurge purge;

    OperatorLifecycle(Subscriptions subscriptions, TenantPurge purge) {
        this.subscriptions = subscriptions;
        this.purge = purge;
    }

    @Override
    public Subscription current() {
        Subscriptions.Subscription s = subscriptions.current();
        return new Subscription(s.status(), s.terminatedAt(), s.purgeAfter());
    }

    @Override
    public Subscription terminate(UUID tenant, Duration retention) {
        Subscriptions.Subscription s = subscriptions.terminate(tenant, retention);
        return new Subscription(s.status(), s.terminatedAt(), s.purgeAfter());
    }

    @Override
    public Subscription renew(UUID tenant) {
        Subscriptions.Subscription s = subscriptions.renew(tenant);
        return new Subscription(s.status(), s.terminatedAt(), s.purgeAfter());
    }

    @Override
    public List<Tombstone> tombstones(int limit) {
        return purge.tombstones(limit).stream().map(OperatorLifecycle::tombstone).toList();
    }

    @Override
    public long countTombstones(String idPart) {
        return purge.countTombstones(idPart);
    }

    @Override
    public List<Tombstone> tombstones(String idPart, int limit, int offset) {
        return purge.tombstones(idPart, limit, offset).stream().map(OperatorLifecycle::tombstone).toList();
    }

    private static Tombstone tombstone(TenantPurge.Tombstone t) {
        return new Tombstone(t.tenant(), t.terminatedAt(), t.purgeAfter(), t.purgeStartedAt(), t.purgedAt(), t.rowCounts(),
                t.activitySeq(), t.activityHeadHash());
    }
}
