package dev.cloudwarden.identity;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A console session holds the principal as it was at sign-in. On every request this re-reads the
 * user: if they were disabled, their role changed, or their organisation was terminated, the session
 * ends and the browser goes back to sign-in. API sessions need no such check: each request resolves
 * its token against the database.
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
        if (auth != null && auth.getPrincipal() instanceof CloudwardenPrincipal principal && principal.sessionId() == null
                && !signIns.stillValid(principal)) {
            SecurityContextHolder.clearContext();
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.sendRedirect(request.getContextPath() + "/login?expired");
            return;
        }
        chain.doFilter(request, response);
    }
}
