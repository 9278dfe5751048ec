package dev.cloudwarden.tenancy;

import java.util.UUID;

/**
 * The tenant's subscription ended (promise P17). Published inside the terminating transaction, with
 * the tenant in scope: each module ends what it keeps running for the tenant there (sessions and
 * tokens, queued runs and schedules), so the termination commits whole or not at all. Nothing is
 * deleted: renewal ({@link TenantRenewed}) brings the tenant back as it was.
 */
public record TenantTerminated(UUID tenant) {
}
