package dev.cloudwarden.abuse;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.web.ApiError;
import dev.cloudwarden.web.ErrorResponses;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Per-client-address rate limits (Bucket4j token buckets) on the routes an attacker would hammer.
 * Which route counts against which {@link RateLimit} is declared once, in the route table
 * ({@code web.Routes}), and handed in as a classifier; the limits themselves are
 * {@link RateLimitSettings}.
 *
 * <p>Over the limit: 429 with {@code Retry-After} (seconds) before anything else runs (no CSRF check,
 * no body parsing, no password hash): {@code {"error":"rate_limited"}} on the API, the error page in
 * the console. The buckets live in memory on each node (a bounded Caffeine cache), so with N nodes
 * behind a load balancer an address gets up to N times the limit; the per-account lockout
 * ({@link BruteForceProtection}) is the shared, exact one.
 */
public final class RateLimitFilter extends OncePerRequestFilter {

    private static final ApiError RATE_LIMITED = new ApiError("rate_limited", "Too many requests from your address. Try again later.");

    private final RateLimitSettings settings;
    private final Function<HttpServletRequest, Optional<RateLimit>> classifier;
    private final ClientAddresses clients;
    private final ErrorResponses errors;
    private final Cache<String, Bucket> buckets;

    /** @param classifier the limit a request counts against, if any (from the route table) */
    public RateLimitFilter(RateLimitSettings settings, Function<HttpServletRequest, Optional<RateLimit>> classifier,
                           ErrorResponses errors) {
        this.settings = settings;
        this.classifier = classifier;
        this.clients = new ClientAddresses(settings.trustedProxies());
        this.errors = errors;
        // An idle bucket refills completely within its period, so forgetting it after the longest
        // period loses nothing; the size bound caps memory under a flood of addresses.
        Duration longest = Arrays.stream(RateLimit.values()).map(g -> settings.limit(g).per()).max(Duration::compareTo).orElseThrow();
        this.buckets = Caffeine.newBuilder().maximumSize(settings.maxBuckets()).expireAfterAccess(longest).build();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<RateLimit> group = classifier.apply(request);
        if (group.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        String key = group.get() + "|" + clients.key(request);
        ConsumptionProbe probe = buckets.get(key, k -> newBucket(settings.limit(group.get()))).tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            chain.doFilter(request, response);
            return;
        }
        long retryAfter = ApiProblem.retryAfterSeconds(Duration.ofNanos(probe.getNanosToWaitForRefill()));
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        if (request.getRequestURI().startsWith(request.getContextPath() + "/api/")) {
            errors.write(response, 429, RATE_LIMITED);
        } else {
            response.sendError(429); // the console's error page for browsers, JSON for other clients
        }
    }

    private static Bucket newBucket(RateLimitSettings.Limit limit) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.requests()).refillGreedy(limit.requests(), limit.per()).build())
                .build();
    }
}
