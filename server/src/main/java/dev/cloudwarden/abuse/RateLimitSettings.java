package dev.cloudwarden.abuse;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.rate-limits.*}: per-client-address limits on the endpoints that cost a password
 * hash, send mail or check a second factor (the list is {@link RateLimitFilter#RULES}).
 *
 * @param signIn           {@code POST /api/v1/sessions} and the console's {@code POST /login}
 * @param signUp           {@code POST /api/v1/signup} and the console's {@code POST /signup}
 * @param passwordReset    {@code /api/v1/password-resets/**} (every method but GET, HEAD, OPTIONS)
 * @param mfa              {@code /api/v1/mfa/**} (every method but GET, HEAD, OPTIONS)
 * @param trustedProxies   IP addresses or CIDR ranges of reverse proxies whose {@code X-Forwarded-For}
 *                         is believed; empty (the default): the TCP peer address is the client
 * @param maxBuckets       how many buckets (one per group and client address) each node keeps; least recently used go first
 */
@ConfigurationProperties("cloudwarden.rate-limits")
public record RateLimitSettings(Limit signIn, Limit signUp, Limit passwordReset, Limit mfa,
                                List<String> trustedProxies, long maxBuckets) {

    /** At most {@code requests} per {@code per} and address; spent requests come back evenly over {@code per}. */
    public record Limit(long requests, Duration per) {
        public Limit {
            if (requests < 1 || per == null || per.isNegative() || per.isZero()) {
                throw new IllegalArgumentException("a cloudwarden.rate-limits limit needs requests >= 1 and a positive per");
            }
        }
    }

    public RateLimitSettings {
        if (signIn == null) signIn = new Limit(20, Duration.ofMinutes(1));
        if (signUp == null) signUp = new Limit(10, Duration.ofHours(1));
        if (passwordReset == null) passwordReset = new Limit(5, Duration.ofMinutes(15));
        if (mfa == null) mfa = new Limit(20, Duration.ofMinutes(1));
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        if (maxBuckets == 0) maxBuckets = 100_000;
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("cloudwarden.rate-limits.max-buckets must be positive");
        }
    }

    Limit limit(RateLimitFilter.Group group) {
        return switch (group) {
            case SIGN_IN -> signIn;
            case SIGN_UP -> signUp;
            case PASSWORD_RESET -> passwordReset;
            case MFA -> mfa;
        };
    }
}
