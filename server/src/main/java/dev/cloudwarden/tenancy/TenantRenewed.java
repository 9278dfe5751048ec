package dev.cloudwarden.tenancy;

import java.util.UUID;

/**
 * A terminated tenant renewed inside its retention window. Published inside the renewing
 * transaction, with the tenant in scope: modules restart what termination stopped (job schedules).
 * What was revoked (sessions, tokens) stays revoked.
 */
public record TenantRenewed(UUID tenant) {
}
