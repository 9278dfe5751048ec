package dev.cloudwarden.identity;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.logout.LogoutHandler;

/**
 * What the web layer needs from identity, and all it gets: the pieces the security chains put in
 * place (built here, so sessions, tokens and sign-in stay identity's own) and the one call a console
 * page of another module makes after changing the signed-in user's factors.
 */
public interface IdentityWeb {

    /**
     * Authenticates {@code Authorization: Bearer} (an API session token or a personal access token);
     * refuses a presented but invalid token with {@code unauthorized}, and a personal access token
     * outside the scope its route needs ({@code requiredScope}, empty: no token may call it) with
     * {@code outsideScopes}.
     */
    Filter bearerTokens(AuthenticationEntryPoint unauthorized, AccessDeniedHandler outsideScopes,
                        Function<HttpServletRequest, Optional<TokenScope>> requiredScope);

    /** Ends a console session past its absolute lifetime; goes before the security context is read. */
    Filter consoleSessionLifetime();

    /**
     * Replaces the console session's remembered ids with the user as stored now, or ends the session
     * when they may no longer act; goes right after the security context is read.
     */
    Filter consolePrincipal();

    /** Form sign-in's failure handler: the second-factor step for an account with MFA, else a neutral error. */
    AuthenticationFailureHandler consoleSignInFailure();

    /** Form sign-in's success handler: records the sign-in, then goes to the console. */
    AuthenticationSuccessHandler consoleSignInSuccess();

    /** A sign-out step that runs before the session is invalidated: ends the stored session and records it. */
    LogoutHandler consoleSignOut();

    /** After the signed-in user's MFA state changed: their console session's principal, reloaded on a new session id. */
    void refreshConsolePrincipal(CloudwardenPrincipal stale, HttpServletRequest request, HttpServletResponse response);
}
