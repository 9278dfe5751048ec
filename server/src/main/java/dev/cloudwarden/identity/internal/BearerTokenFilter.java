package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TokenScope;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <token>}: a session token ({@code cws_}) or a personal
 * access token ({@code cwpat_}). A presented but invalid token is refused at once (401); no header
 * means anonymous, and the authorization rules decide. A personal access token is also held to its
 * scopes here ({@link TokenScope}, 403 {@code insufficient_scope}) before the role rules apply.
 */
public class BearerTokenFilter extends OncePerRequestFilter {

    private final SignInService signIns;
    private final PersonalAccessTokens accessTokens;
    private final AuthenticationEntryPoint entryPoint;
    private final AccessDeniedHandler scopeDenied;
    private final Function<HttpServletRequest, Optional<TokenScope>> requiredScope;

    /** @param requiredScope the scope a personal access token needs for a request, empty when no token may make it (the route table) */
    public BearerTokenFilter(SignInService signIns, PersonalAccessTokens accessTokens, AuthenticationEntryPoint entryPoint,
                             AccessDeniedHandler scopeDenied, Function<HttpServletRequest, Optional<TokenScope>> requiredScope) {
        this.requiredScope = requiredScope;
        this.signIns = signIns;
        this.accessTokens = accessTokens;
        this.entryPoint = entryPoint;
        this.scopeDenied = scopeDenied;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<? extends Authentication> authentication = Optional.empty();
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Secret token = Secret.of(header.substring(7).strip());
            authentication = PersonalAccessTokens.looksLikeToken(token.reveal())
                    ? accessTokens.resolve(token)
                    : signIns.resolveSession(token).map(CloudwardenPrincipal::toAuthentication);
        }
        if (authentication.isEmpty()) {
            SecurityContextHolder.clearContext();
            entryPoint.commence(request, response, new BadCredentialsException("invalid bearer token"));
            return;
        }
        if (authentication.get() instanceof PersonalAccessTokenAuthentication pat && !permits(pat.scopes(), requiredScope.apply(request))) {
            SecurityContextHolder.clearContext();
            scopeDenied.handle(request, response, new AccessDeniedException("outside the token's scopes"));
            return;
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(authentication.get());
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }

    /** A route that names no scope is closed to every token; otherwise one of the token's scopes must cover it. */
    private static boolean permits(java.util.Set<TokenScope> scopes, Optional<TokenScope> required) {
        return required.isPresent() && scopes.stream().anyMatch(s -> s.covers(required.get()));
    }
}
