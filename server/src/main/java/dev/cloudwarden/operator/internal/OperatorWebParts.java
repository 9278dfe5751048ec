package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.operator.OperatorWeb;
import dev.cloudwarden.tenancy.TenantContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.filter.OncePerRequestFilter;

/** {@link OperatorWeb}: the operators' sign-in per request and the grant gate. */
@Component
class OperatorWebParts implements OperatorWeb {

    /** The request attribute the gate leaves for the controller: the grant and scope it checked. */
    static final String GRANT = OperatorWebParts.class.getName() + ".grant";

    record CheckedGrant(AccessRequests.Request grant, GrantedRead read) {
    }

    private final OperatorSessions sessions;
    private final AccessRequests requests;
    private final TenantContext tenants;
    private final ActivityLog activity;
    private final TransactionTemplate tx;

    OperatorWebParts(OperatorSessions sessions, AccessRequests requests, TenantContext tenants, ActivityLog activity, TransactionTemplate tx) {
        this.sessions = sessions;
        this.requests = requests;
        this.tenants = tenants;
        this.activity = activity;
        this.tx = tx;
    }

    @Override
    public Filter authentication(AuthenticationEntryPoint unauthorized) {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                boolean api = OperatorWeb.isApi(request);
                Optional<Secret> token = api ? bearer(request) : cookie(request);
                if (token.isPresent()) {
                    Optional<OperatorPrincipal> principal = sessions.resolve(token.get());
                    if (principal.isEmpty()) {
                        if (api) {
                            unauthorized.commence(request, response, new InsufficientAuthenticationException("operator session not valid"));
                            return;
                        }
                        clearCookie(response);
                    } else {
                        SecurityContext context = SecurityContextHolder.createEmptyContext();
                        context.setAuthentication(principal.get().toAuthentication());
                        SecurityContextHolder.setContext(context);
                    }
                } else if (api && request.getHeader(HttpHeaders.AUTHORIZATION) != null) {
                    unauthorized.commence(request, response, new InsufficientAuthenticationException("not an operator token"));
                    return;
                }
                chain.doFilter(request, response);
            }
        };
    }

    @Override
    public Filter grantGate(Function<HttpServletRequest, Optional<GrantedRead>> requiredGrant, Refusal notFound) {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                Optional<GrantedRead> needed = requiredGrant.apply(request);
                if (needed.isEmpty()) {
                    chain.doFilter(request, response);
                    return;
                }
                Authentication auth = SecurityContextHolder.getContext().getAuthentication();
                Optional<UUID> tenant = tenantId(needed.get().tenantId());
                if (auth == null || !(auth.getPrincipal() instanceof OperatorPrincipal operator) || tenant.isEmpty()
                        || tenants.current().isPresent()) {
                    notFound.refuse(request, response);
                    return;
                }
                Optional<AccessRequests.Request> grant = requests.activeGrant(operator.operatorId(), tenant.get(), needed.get().scope());
                if (grant.isEmpty()) {
                    notFound.refuse(request, response);
                    return;
                }
                // recorded before the read, in a transaction of its own: the read itself cannot write
                tenants.runAs(tenant.get(), () -> tx.executeWithoutResult(s -> activity.record(Action.ACCESS_READ,
                        AccessRequests.target(grant.get().id()), Map.of("request", grant.get().id(), "scope", needed.get().scope().value(),
                                "route", needed.get().route()))));
                request.setAttribute(GRANT, new CheckedGrant(grant.get(), needed.get()));
                try (TenantContext.Scope ignored = tenants.openReadOnly(tenant.get())) {
                    chain.doFilter(request, response);
                }
            }
        };
    }

    private static Optional<UUID> tenantId(String value) {
        try {
            return Optional.of(Ids.fromPath(value));
        } catch (ApiProblem e) {
            return Optional.empty();
        }
    }

    private static Optional<Secret> bearer(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(Secret.of(header.substring(7).strip()));
    }

    private static Optional<Secret> cookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        for (Cookie c : cookies) {
            if (c.getName().equals(SESSION_COOKIE)) {
                return Optional.of(Secret.of(c.getValue()));
            }
        }
        return Optional.empty();
    }

    static void setCookie(HttpServletResponse response, Secret token, java.time.Duration maxAge) {
        response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(SESSION_COOKIE, token.reveal()).path("/").secure(true).httpOnly(true)
                .sameSite("Strict").maxAge(maxAge).build().toString());
    }

    static void clearCookie(HttpServletResponse response) {
        response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(SESSION_COOKIE, "").path("/").secure(true).httpOnly(true)
                .sameSite("Strict").maxAge(0).build().toString());
    }
}
