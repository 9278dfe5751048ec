package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TokenScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request authenticated by a personal access token: the user (with their current role), the
 * token's id and its scopes. Authorities are the role's plus one {@code SCOPE_<scope>} per scope.
 * It holds no credential.
 */
public final class PersonalAccessTokenAuthentication extends AbstractAuthenticationToken {

    private final CloudwardenPrincipal principal;
    private final UUID tokenId;
    private final Set<TokenScope> scopes;

    PersonalAccessTokenAuthentication(CloudwardenPrincipal principal, UUID tokenId, Set<TokenScope> scopes) {
        super(authorities(principal, scopes));
        this.principal = principal;
        this.tokenId = tokenId;
        this.scopes = Set.copyOf(scopes);
        setAuthenticated(true);
    }

    private static List<GrantedAuthority> authorities(CloudwardenPrincipal principal, Set<TokenScope> scopes) {
        List<GrantedAuthority> authorities = new ArrayList<>();
        authorities.add(principal.role().authority());
        scopes.forEach(s -> authorities.add(new SimpleGrantedAuthority("SCOPE_" + s.value())));
        return authorities;
    }

    @Override
    public CloudwardenPrincipal getPrincipal() {
        return principal;
    }

    @Override
    public Object getCredentials() {
        return null;
    }

    public UUID tokenId() {
        return tokenId;
    }

    public Set<TokenScope> scopes() {
        return scopes;
    }
}
