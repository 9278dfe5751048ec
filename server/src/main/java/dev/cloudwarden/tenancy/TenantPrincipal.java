package dev.cloudwarden.tenancy;

import java.util.UUID;

/** An authenticated principal that acts for one tenant, as one of its users. */
public interface TenantPrincipal {
    UUID tenantId();

    UUID userId();
}
