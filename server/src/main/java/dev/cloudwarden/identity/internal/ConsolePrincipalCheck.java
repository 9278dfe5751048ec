package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A console session remembers only who signed in (ids and role, {@link ConsoleSessionAttributes}).
 * On every request this loads the user as stored now and puts that principal in the request's
 * security context; if they were disabled, their role changed, or their organisation was
 * terminated, the session ends and the browser goes back to sign-in. API sessions need no such
 * check: each request resolves its token against the database.
 */
public class ConsolePrincipalCheck extends OncePerRequestFilter {

    private final SignInService signIns;

    public ConsolePrincipalCheck(SignInService signIns) {
        this.signIns = signIns;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.getPrincipal() instanceof ConsoleSessionAttributes.StoredPrincipal stored) {
            Optional<CloudwardenPrincipal> current = signIns.reload(stored.tenantId(), stored.userId(), stored.role());
            if (current.isEmpty()) {
                SecurityContextHolder.clearContext();
                HttpSession session = request.getSession(false);
                if (session != null) {
                    session.invalidate();
                }
                response.sendRedirect(request.getContextPath() + "/login?expired");
                return;
            }
            // a context of this request only: the session keeps its ids, never this principal's details
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(current.get().toAuthentication());
            SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
    }
}
