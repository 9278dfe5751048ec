package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ReturnPaths;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.tenancy.TenantContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.logout.LogoutHandler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The console's form sign-in and sign-out, as the activity history sees them. A password-only sign-in
 * is recorded when form login succeeds (the MFA step records its own, {@link SignInService#completeSecondFactor}),
 * then the browser goes to the console as before. Signing out deletes the stored session and records
 * {@code session.ended} in one transaction, before Spring Security invalidates the (now absent)
 * session and clears the context.
 */
@Component
class ConsoleSignInEvents implements AuthenticationSuccessHandler, LogoutHandler {

    private final SignInService signIns;
    private final ConsoleSessions sessions;
    private final CredentialEvents events;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final SignInOrigins origins;
    private final SimpleUrlAuthenticationSuccessHandler toConsole = new SimpleUrlAuthenticationSuccessHandler("/console");

    ConsoleSignInEvents(SignInService signIns, ConsoleSessions sessions, CredentialEvents events, TenantContext tenants,
                        TransactionTemplate tx, SignInOrigins origins) {
        this.signIns = signIns;
        this.sessions = sessions;
        this.events = events;
        this.tenants = tenants;
        this.tx = tx;
        this.origins = origins;
        toConsole.setAlwaysUseDefaultTargetUrl(true); // as defaultSuccessUrl("/console", true): never a saved request
    }

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication)
            throws IOException, jakarta.servlet.ServletException {
        if (authentication.getPrincipal() instanceof CloudwardenPrincipal principal) {
            // the id the request came with is the stored row's: sign-in rotated it only in memory so far
            signIns.recordConsoleSignIn(principal, origins.of(request), request.getRequestedSessionId());
        }
        // the console page opened before signing in (common.ReturnPaths), else the console
        Optional<String> next = ReturnPaths.consolePage(request.getParameter("next"));
        if (next.isPresent()) {
            SimpleUrlAuthenticationSuccessHandler toPage = new SimpleUrlAuthenticationSuccessHandler(next.get());
            toPage.setAlwaysUseDefaultTargetUrl(true);
            toPage.onAuthenticationSuccess(request, response, authentication);
        } else {
            toConsole.onAuthenticationSuccess(request, response, authentication);
        }
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response, Authentication authentication) {
        HttpSession session = request.getSession(false);
        if (session == null || authentication == null || !(authentication.getPrincipal() instanceof CloudwardenPrincipal principal)) {
            return; // nobody signed in: nothing ends
        }
        String sessionId = session.getId(); // the stored (hashed) id, never the cookie
        tenants.detached(() -> tenants.callAs(principal.tenantId(), () -> tx.execute(s -> {
            sessions.deleteBySessionId(principal.userId(), sessionId).ifPresent(row -> events.sessionEnded(principal.userId(),
                    CredentialsService.Kind.console, row, CredentialEvents.Reason.LOGOUT));
            return null;
        })));
    }
}
