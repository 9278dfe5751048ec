package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.OperatorActor;
import dev.cloudwarden.operator.OperatorRole;
import java.util.List;
import java.util.UUID;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.AuthenticatedPrincipal;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A signed-in platform operator. Not a tenant principal: a request of theirs opens no tenant scope, so
 * row-level security shows it no tenant's rows, unless the grant gate opens one read-only.
 */
record OperatorPrincipal(UUID operatorId, String email, OperatorRole role, UUID sessionId) implements OperatorActor, AuthenticatedPrincipal {

    @Override
    public String getName() {
        return operatorId.toString();
    }

    Authentication toAuthentication() {
        return UsernamePasswordAuthenticationToken.authenticated(this, null, List.of(new SimpleGrantedAuthority(role.authority())));
    }

    /** Ids only: an email address stays out of log lines. */
    @Override
    public String toString() {
        return "OperatorPrincipal[operator=" + operatorId + ", role=" + role + "]";
    }
}
