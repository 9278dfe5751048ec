package dev.cloudwarden.identity;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** Tenant roles, from most to least privileged. */
public enum Role {
    OWNER, ADMIN, OPERATOR, VIEWER;

    /** The role as people read it: "Owner", not OWNER. */
    public String label() {
        return name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    public GrantedAuthority authority() {
        return new SimpleGrantedAuthority("ROLE_" + name());
    }
}
