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
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Per-client-address rate limits (Bucket4j token buckets) on the endpoints an attacker would hammer:
 * sign-in, sign-up, password reset and MFA. {@link #RULES} is the one list of what is limited; the
 * limits themselves are {@link RateLimitSettings}. Each group has its own bucket per address, so a
 * client that spent its sign-ups can still sign in.
 *
 * <p>Over the limit: 429 with {@code Retry-After} (seconds) before anything else runs (no CSRF check,
 * no body parsing, no password hash): {@code {"error":"rate_limited"}} on the API, the error page in
 * the console. The buckets live in memory on each node (a bounded Caffeine cache), so with N nodes
 * behind a load balancer an address gets up to N times the limit; the per-account lockout
 * ({@link BruteForceProtection}) is the shared, exact one.
 */
public final class RateLimitFilter extends OncePerRequestFilter {

    /** Groups of endpoints sharing one limit. */
    enum Group { SIGN_IN, SIGN_UP, PASSWORD_RESET, MFA }

    record Rule(Group group, RequestMatcher matcher, String description) {
    }

    private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    /** Everything that is rate-limited per address. New endpoints of these kinds belong here. */
    static final List<Rule> RULES = List.of(
            new Rule(Group.SIGN_IN, PATHS.matcher(HttpMethod.POST, "/api/v1/sessions"), "POST /api/v1/sessions"),
            new Rule(Group.SIGN_IN, PATHS.matcher(HttpMethod.POST, "/login"), "POST /login"),
            new Rule(Group.SIGN_UP, PATHS.matcher(HttpMethod.POST, "/api/v1/signup"), "POST /api/v1/signup"),
            new Rule(Group.SIGN_UP, PATHS.matcher(HttpMethod.POST, "/signup"), "POST /signup"),
            new Rule(Group.PASSWORD_RESET, unsafe("/api/v1/password-resets/**"), "/api/v1/password-resets/**"),
            new Rule(Group.MFA, unsafe("/api/v1/mfa/**"), "/api/v1/mfa/**"));

    private static final ApiError RATE_LIMITED = new ApiError("rate_limited", "Too many requests from your address. Try again later.");

    private final RateLimitSettings settings;
    private final ClientAddresses clients;
    private final ErrorResponses errors;
    private final Cache<String, Bucket> buckets;

    public RateLimitFilter(RateLimitSettings settings, ErrorResponses errors) {
        this.settings = settings;
        this.clients = new ClientAddresses(settings.trustedProxies());
        this.errors = errors;
        // An idle bucket refills completely within its period, so forgetting it after the longest
        // period loses nothing; the size bound caps memory under a flood of addresses.
        Duration longest = Arrays.stream(Group.values()).map(g -> settings.limit(g).per()).max(Duration::compareTo).orElseThrow();
        this.buckets = Caffeine.newBuilder().maximumSize(settings.maxBuckets()).expireAfterAccess(longest).build();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Group group = groupOf(request);
        if (group == null) {
            chain.doFilter(request, response);
            return;
        }
        String key = group + "|" + clients.key(request);
        ConsumptionProbe probe = buckets.get(key, k -> newBucket(settings.limit(group))).tryConsumeAndReturnRemaining(1);
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

    static Group groupOf(HttpServletRequest request) {
        for (Rule rule : RULES) {
            if (rule.matcher().matches(request)) {
                return rule.group();
            }
        }
        return null;
    }

    private static Bucket newBucket(RateLimitSettings.Limit limit) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.requests()).refillGreedy(limit.requests(), limit.per()).build())
                .build();
    }

    private static RequestMatcher unsafe(String pattern) {
        RequestMatcher path = PATHS.matcher(pattern);
        return request -> !SAFE.contains(request.getMethod()) && path.matches(request);
    }
}
