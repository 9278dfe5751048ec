package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.IdentityWeb;
import dev.cloudwarden.identity.TokenScope;
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
import org.springframework.stereotype.Component;

/** {@link IdentityWeb} from identity's own parts. */
@Component
class IdentityWebParts implements IdentityWeb {

    private final SignInService signIns;
    private final PersonalAccessTokens accessTokens;
    private final ConsoleSessions consoleSessions;
    private final ConsoleSecondFactor secondFactor;
    private final ConsoleSignInEvents signInEvents;

    IdentityWebParts(SignInService signIns, PersonalAccessTokens accessTokens, ConsoleSessions consoleSessions,
                     ConsoleSecondFactor secondFactor, ConsoleSignInEvents signInEvents) {
        this.signIns = signIns;
        this.accessTokens = accessTokens;
        this.consoleSessions = consoleSessions;
        this.secondFactor = secondFactor;
        this.signInEvents = signInEvents;
    }

    @Override
    public Filter bearerTokens(AuthenticationEntryPoint unauthorized, AccessDeniedHandler outsideScopes,
                               Function<HttpServletRequest, Optional<TokenScope>> requiredScope) {
        return new BearerTokenFilter(signIns, accessTokens, unauthorized, outsideScopes, requiredScope);
    }

    @Override
    public Filter consoleSessionLifetime() {
        return new AbsoluteSessionLifetimeFilter(consoleSessions);
    }

    @Override
    public Filter consolePrincipal() {
        return new ConsolePrincipalCheck(signIns);
    }

    @Override
    public AuthenticationFailureHandler consoleSignInFailure() {
        return secondFactor;
    }

    @Override
    public AuthenticationSuccessHandler consoleSignInSuccess() {
        return signInEvents;
    }

    @Override
    public LogoutHandler consoleSignOut() {
        return signInEvents;
    }

    @Override
    public void refreshConsolePrincipal(CloudwardenPrincipal stale, HttpServletRequest request, HttpServletResponse response) {
        secondFactor.refresh(stale, request, response);
    }
}
