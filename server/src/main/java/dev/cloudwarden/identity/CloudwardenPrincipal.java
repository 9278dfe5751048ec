package dev.cloudwarden.identity;

import dev.cloudwarden.tenancy.TenantPrincipal;
import java.io.Serializable;
import java.util.List;
import java.util.UUID;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.AuthenticatedPrincipal;
import org.springframework.security.core.Authentication;

/**
 * A signed-in tenant user. The tenant of every request comes from here and from nowhere else.
 *
 * <p>Its name ({@link Authentication#getName()}) is the user id: unique across tenants, stable
 * across email and role changes, and what console sessions are indexed by, so that disabling a user
 * finds exactly their sessions.
 *
 * @param sessionId the API session the request authenticated with, or null for a console session
 *                  or a personal access token
 * @param mfaEnrollmentRequired the tenant requires MFA and this user has none yet: until they enrol,
 *        the only calls allowed are the enrolment ones (see SecurityConfiguration)
 */
public record CloudwardenPrincipal(UUID userId, UUID tenantId, String email, Role role, boolean mfaEnabled, UUID sessionId,
                                   boolean mfaEnrollmentRequired)
        implements TenantPrincipal, AuthenticatedPrincipal, Serializable {

    @Override
    public String getName() {
        return userId.toString();
    }

    public Authentication toAuthentication() {
        return UsernamePasswordAuthenticationToken.authenticated(this, null, List.of(role.authority()));
    }

    /** Ids only: an email address is personal data and stays out of log lines. */
    @Override
    public String toString() {
        return "CloudwardenPrincipal[user=" + userId + ", tenant=" + tenantId + ", role=" + role + "]";
    }
}
