package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.KeyEncryptionKey;
import dev.cloudwarden.crypto.KeyMaintenance;
import dev.cloudwarden.lifecycle.TenantLifecycle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * What operators do to the platform rather than read: tenants' metadata, lifecycle actions (the
 * lifecycle module's rules), key rotation (the crypto module's) and purge tombstones. Each action is
 * recorded in the platform's history with the operator as actor; lifecycle and key actions are also in
 * the tenant's own, by their modules.
 */
@Service
class OperatorActions {

    private final TenantMetadata metadata;
    private final TenantLifecycle lifecycle;
    private final KeyMaintenance keys;
    private final KeyEncryptionKey kek;
    private final ActivityLog activity;

    OperatorActions(TenantMetadata metadata, TenantLifecycle lifecycle, KeyMaintenance keys, KeyEncryptionKey kek, ActivityLog activity) {
        this.metadata = metadata;
        this.lifecycle = lifecycle;
        this.keys = keys;
        this.kek = kek;
        this.activity = activity;
    }

    /** The operators' API's list: the newest 500. The console pages every tenant ({@link #countTenants}, {@link #tenants(String, String, int, int)}). */
    List<TenantMetadata.Tenant> tenants() {
        return metadata.list(500);
    }

    /** How many tenants have an id containing {@code idPart} (empty: any) and the status {@code status} (ACTIVE, TERMINATED; empty: any). */
    long countTenants(String idPart, String status) {
        return metadata.count(idPart, status);
    }

    /** One page of those tenants, newest first. */
    List<TenantMetadata.Tenant> tenants(String idPart, String status, int limit, int offset) {
        return metadata.page(idPart, status, limit, offset);
    }

    TenantMetadata.Tenant tenant(UUID tenant) {
        return metadata.find(tenant).orElseThrow(ApiProblem::notFound);
    }

    TenantLifecycle.Subscription terminate(UUID tenant, Integer retentionDays) {
        tenant(tenant);
        if (retentionDays != null && (retentionDays < 1 || retentionDays > 3650)) {
            throw ApiProblem.invalid("retentionDays", "must be between 1 and 3650 days");
        }
        TenantLifecycle.Subscription s = lifecycle.terminate(tenant, retentionDays == null ? null : Duration.ofDays(retentionDays));
        activity.record(Action.OPERATOR_TENANT_LIFECYCLE, Target.tenant(tenant), Map.of("tenant", tenant, "change", "terminated"));
        return s;
    }

    TenantLifecycle.Subscription renew(UUID tenant) {
        tenant(tenant);
        TenantLifecycle.Subscription s = lifecycle.renew(tenant);
        activity.record(Action.OPERATOR_TENANT_LIFECYCLE, Target.tenant(tenant), Map.of("tenant", tenant, "change", "renewed"));
        return s;
    }

    void rotateDataKey(UUID tenant) {
        if (!tenant(tenant).status().equals("ACTIVE")) {
            throw ApiProblem.conflict("tenant_not_active", "Only an active tenant's data key is rotated.");
        }
        keys.rotateDataKey(tenant);
        activity.record(Action.OPERATOR_TENANT_KEY_ROTATED, Target.tenant(tenant), Map.of("tenant", tenant));
    }

    /** Every keyset the KEK wraps, re-wrapped under the current KEK (after the KEK itself was rotated in its provider). */
    int rewrapUnderCurrentKek() {
        KeyMaintenance.Rewrapped done = keys.rewrapUnderCurrentKek();
        activity.record(Action.PLATFORM_KEK_ROTATED, Target.key(kek.id().replaceAll("[^A-Za-z0-9:/_.-]", "_")),
                Map.of("kek", kek.id(), "keysets", done.tenantKeysets() + done.signingKeys()));
        return done.tenantKeysets();
    }

    List<TenantLifecycle.Tombstone> tombstones() {
        List<TenantLifecycle.Tombstone> all = lifecycle.tombstones(200);
        activity.record(Action.OPERATOR_TOMBSTONES_VIEWED, null, Map.of("count", all.size()));
        return all;
    }

    long countTombstones(String idPart) {
        return lifecycle.countTombstones(idPart);
    }

    /** One page of the tombstones of tenants whose id contains {@code idPart}; each page read is recorded, as the API's list is. */
    List<TenantLifecycle.Tombstone> tombstones(String idPart, int limit, int offset) {
        List<TenantLifecycle.Tombstone> page = lifecycle.tombstones(idPart, limit, offset);
        activity.record(Action.OPERATOR_TOMBSTONES_VIEWED, null, Map.of("count", page.size()));
        return page;
    }
}
