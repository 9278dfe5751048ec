package dev.cloudwarden.tenancy;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Opens the tenant scope for the rest of the request from the authenticated principal, once, after
 * authorization. Requests without a signed-in tenant user run with no tenant and see no tenant data.
 */
public class TenantScopeFilter extends OncePerRequestFilter {

    private final TenantContext tenants;

    public TenantScopeFilter(TenantContext tenants) {
        this.tenants = tenants;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.getPrincipal() instanceof TenantPrincipal principal) {
            try (TenantContext.Scope ignored = tenants.open(principal.tenantId())) {
                chain.doFilter(request, response);
            }
        } else {
            chain.doFilter(request, response);
        }
    }
}
