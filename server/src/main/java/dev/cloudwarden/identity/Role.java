package dev.cloudwarden.identity;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** Tenant roles, from most to least privileged. */
public enum Role {
    OWNER, ADMIN, OPERATOR, VIEWER;

    public GrantedAuthority authority() {
        return new SimpleGrantedAuthority("ROLE_" + name());
    }
}
