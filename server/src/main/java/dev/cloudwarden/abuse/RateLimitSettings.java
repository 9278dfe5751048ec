package dev.cloudwarden.abuse;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.rate-limits.*}: per-client-address limits on the endpoints that cost a password
 * hash, send mail or check a one-time code; which route counts against which is in the route table
 * ({@code web.Routes}). One limit per {@link RateLimit}.
 *
 * @param signIn           {@link RateLimit#SIGN_IN}
 * @param signUp           {@link RateLimit#SIGN_UP}
 * @param passwordReset    {@link RateLimit#PASSWORD_RESET}
 * @param invitationAccept {@link RateLimit#INVITATION_ACCEPT}
 * @param invitationSend   {@link RateLimit#INVITATION_SEND}
 * @param mfa              {@link RateLimit#MFA}
 * @param activityExport   {@link RateLimit#ACTIVITY_EXPORT}
 * @param cloudSessions    {@link RateLimit#CLOUD_SESSIONS}
 * @param securityReport   {@link RateLimit#SECURITY_REPORT}
 * @param accessRequest    {@link RateLimit#ACCESS_REQUEST}
 * @param agentEnroll      {@link RateLimit#AGENT_ENROLL}
 * @param trustedProxies   IP addresses or CIDR ranges of reverse proxies whose {@code X-Forwarded-For}
 *                         is believed; empty (the default): the TCP peer address is the client
 * @param maxBuckets       how many buckets (one per group and client address) each node keeps; least recently used go first
 */
@ConfigurationProperties("cloudwarden.rate-limits")
public record RateLimitSettings(Limit signIn, Limit signUp, Limit passwordReset, Limit invitationAccept, Limit invitationSend, Limit mfa,
                                Limit activityExport, Limit cloudSessions, Limit securityReport, Limit accessRequest, Limit agentEnroll, List<String> trustedProxies,
                                long maxBuckets) {

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
        if (invitationAccept == null) invitationAccept = new Limit(10, Duration.ofMinutes(15));
        if (invitationSend == null) invitationSend = new Limit(50, Duration.ofHours(1));
        if (mfa == null) mfa = new Limit(20, Duration.ofMinutes(1));
        if (activityExport == null) activityExport = new Limit(10, Duration.ofMinutes(10));
        if (cloudSessions == null) cloudSessions = new Limit(60, Duration.ofMinutes(10));
        if (securityReport == null) securityReport = new Limit(5, Duration.ofHours(1));
        if (accessRequest == null) accessRequest = new Limit(20, Duration.ofHours(1));
        if (agentEnroll == null) agentEnroll = new Limit(20, Duration.ofMinutes(15));
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        if (maxBuckets == 0) maxBuckets = 100_000;
        if (maxBuckets < 1) {
            throw new IllegalArgumentException("cloudwarden.rate-limits.max-buckets must be positive");
        }
    }

    Limit limit(RateLimit group) {
        return switch (group) {
            case SIGN_IN -> signIn;
            case SIGN_UP -> signUp;
            case PASSWORD_RESET -> passwordReset;
            case INVITATION_ACCEPT -> invitationAccept;
            case INVITATION_SEND -> invitationSend;
            case MFA -> mfa;
            case ACTIVITY_EXPORT -> activityExport;
            case CLOUD_SESSIONS -> cloudSessions;
            case SECURITY_REPORT -> securityReport;
            case ACCESS_REQUEST -> accessRequest;
            case AGENT_ENROLL -> agentEnroll;
        };
    }
}
