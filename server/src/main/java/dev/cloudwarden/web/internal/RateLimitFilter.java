package dev.cloudwarden.web.internal;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.abuse.RateLimiter;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.web.ApiError;
import dev.cloudwarden.web.Route;
import dev.cloudwarden.web.Routes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The per-address rate limits on the routes the route table gives one ({@link Route#limit()}):
 * over the limit, 429 with {@code Retry-After} (seconds) before anything else runs (no CSRF check,
 * no body parsing, no password hash): {@code {"error":"rate_limited"}} on the API, the error page in
 * the console. The buckets are the abuse module's ({@link RateLimiter}).
 */
final class RateLimitFilter extends OncePerRequestFilter {

    private static final ApiError RATE_LIMITED = new ApiError("rate_limited", "Too many requests from your address. Try again later.");

    private final RateLimiter limiter;
    private final ErrorResponses errors;

    RateLimitFilter(RateLimiter limiter, ErrorResponses errors) {
        this.limiter = limiter;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<RateLimit> limit = Routes.find(request).flatMap(Route::limit);
        Optional<Duration> wait = limit.flatMap(l -> limiter.take(l, request));
        if (wait.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(ApiProblem.retryAfterSeconds(wait.get())));
        if (ErrorPages.isApi(request)) {
            errors.write(response, 429, RATE_LIMITED);
        } else {
            response.sendError(429); // the console's error page for browsers, JSON for other clients
        }
    }
}
