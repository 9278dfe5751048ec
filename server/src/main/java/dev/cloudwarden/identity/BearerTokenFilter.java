package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <session token>}. A presented but invalid token is
 * refused at once (401); no header means anonymous, and the authorization rules decide.
 */
public class BearerTokenFilter extends OncePerRequestFilter {

    private final IdentityService identity;
    private final AuthenticationEntryPoint entryPoint;

    public BearerTokenFilter(IdentityService identity, AuthenticationEntryPoint entryPoint) {
        this.identity = identity;
        this.entryPoint = entryPoint;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<CloudwardenPrincipal> principal = header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? identity.resolveSession(Secret.of(header.substring(7).strip()))
                : Optional.empty();
        if (principal.isEmpty()) {
            SecurityContextHolder.clearContext();
            entryPoint.commence(request, response, new BadCredentialsException("invalid bearer token"));
            return;
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(principal.get().toAuthentication());
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }
}
