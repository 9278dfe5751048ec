package dev.cloudwarden.tenancy;

import java.util.UUID;

/** An authenticated principal that acts for one tenant. */
public interface TenantPrincipal {
    UUID tenantId();
}
