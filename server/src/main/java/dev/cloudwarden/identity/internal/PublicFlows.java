package dev.cloudwarden.identity.internal;

import dev.cloudwarden.tenancy.TenantContext;
import java.util.function.Supplier;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Runs the public flows (signing in, verifying a sign-up, accepting an invitation, completing a
 * password reset) as nobody signed in. A browser or token holder signed in elsewhere may call them;
 * that caller is not the one acting (the holder of the password or of the emailed link is), so
 * neither their tenant scope nor their principal may reach the flow: the activity history names the
 * user the flow is about, never the caller's account (which may belong to another tenant). The
 * caller's scope and security context are restored afterwards.
 */
@Component
class PublicFlows {

    private final TenantContext tenants;

    PublicFlows(TenantContext tenants) {
        this.tenants = tenants;
    }

    <T> T asNobody(Supplier<T> work) {
        SecurityContext caller = SecurityContextHolder.getContext();
        SecurityContextHolder.setContext(SecurityContextHolder.createEmptyContext());
        try {
            return tenants.detached(work);
        } finally {
            SecurityContextHolder.setContext(caller);
        }
    }
}
