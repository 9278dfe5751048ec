package dev.cloudwarden.web.internal;

import dev.cloudwarden.identity.CloudwardenPrincipal;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Predicate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The tenant policy "MFA required for everyone", enforced before the role rules: a signed-in user
 * who still has to enrol reaches only the requests on an allowlist; everything else is refused.
 * An allowlist fails closed: an endpoint added later is covered without anyone remembering to.
 * Configured in {@link SecurityConfiguration}, the one place that says who may call what.
 */
final class MfaEnrollmentGate extends OncePerRequestFilter {

    @FunctionalInterface
    interface Refusal {
        void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    private final RequestMatcher allowedBeforeEnrollment;
    private final Predicate<CloudwardenPrincipal> enrollmentRequired;
    private final Refusal refusal;

    MfaEnrollmentGate(RequestMatcher allowedBeforeEnrollment, Predicate<CloudwardenPrincipal> enrollmentRequired, Refusal refusal) {
        this.allowedBeforeEnrollment = allowedBeforeEnrollment;
        this.enrollmentRequired = enrollmentRequired;
        this.refusal = refusal;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.getPrincipal() instanceof CloudwardenPrincipal principal
                && !allowedBeforeEnrollment.matches(request) && enrollmentRequired.test(principal)) {
            refusal.refuse(request, response);
            return;
        }
        chain.doFilter(request, response);
    }
}
