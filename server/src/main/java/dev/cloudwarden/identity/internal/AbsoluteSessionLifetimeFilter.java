package dev.cloudwarden.identity.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Instant;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Ends a console session once it is older than the absolute lifetime, however active it has been.
 * Runs in the console chain before the security context is read from the session, so the request
 * that finds an old session is already anonymous (and sent to the sign-in page). The session's
 * creation time is kept by Spring Session in PostgreSQL, so every node judges it alike.
 */
public class AbsoluteSessionLifetimeFilter extends OncePerRequestFilter {

    private final ConsoleSessions sessions;

    public AbsoluteSessionLifetimeFilter(ConsoleSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpSession session = request.getSession(false);
        if (session != null && sessions.pastAbsoluteLifetime(Instant.ofEpochMilli(session.getCreationTime()))) {
            session.invalidate();
        }
        chain.doFilter(request, response);
    }
}
