package dev.cloudwarden.cloud.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.cloudwarden.common.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Promise P9: every session with a customer's account is its own STS AssumeRole, with the tenant's
 * external ID, a session name the customer can find in CloudTrail
 * ({@code cw-<tenant>-<purpose>-<run>}), a short duration and a session policy that allows only what
 * the purpose needs. The temporary credentials stay in this node's memory, cached per (tenant,
 * account, purpose) until shortly before they expire; nothing here is persisted or logged, and a
 * key never serves another tenant, account or purpose.
 */
final class StsSessions {

    /** What a session is for, and the session policy that scopes it down to that. */
    enum Purpose {
        VERIFY("verify", "ec2:DescribeRegions"),
        SYNC("sync", "ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots");

        final String label;
        final String sessionPolicy;

        Purpose(String label, String... actions) {
            this.label = label;
            this.sessionPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\""
                    + String.join("\",\"", actions) + "\"],\"Resource\":\"*\"}]}";
        }
    }

    /** An open session. Its credentials are the SDK's; this record's text never shows them. */
    record Session(String roleSessionName, AwsSessionCredentials credentials, Instant expiration) {
        @Override
        public String toString() {
            return "Session[" + roleSessionName + ", expires " + expiration + "]";
        }
    }

    private record Key(UUID tenant, UUID account, Purpose purpose) {
    }

    /** A cached session is not handed out this close to its expiry: a sync must finish inside it. */
    static final Duration MARGIN = Duration.ofMinutes(5);

    private final AwsAccess aws;
    private final Clock clock;
    private final Duration duration;
    private final Cache<Key, Session> cache;

    StsSessions(AwsAccess aws, Clock clock, Duration duration) {
        this.aws = aws;
        this.clock = clock;
        this.duration = duration;
        this.cache = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfter(Expiry.creating((Key k, Session s) -> positive(Duration.between(clock.instant(), s.expiration().minus(MARGIN)))))
                .build();
    }

    /** A new session name: {@code cw-<first 8 hex of the tenant id>-<purpose>-<12 random hex>} (at most 64 characters, as STS requires). */
    static String newName(UUID tenant, Purpose purpose) {
        return "cw-" + tenant.toString().substring(0, 8) + "-" + purpose.label + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * A session for this purpose: the cached one while it has {@link #MARGIN} left, otherwise (or when
     * {@code fresh}) a new AssumeRole named {@code name}, which replaces it. AWS's refusals come out
     * as the SDK's exceptions.
     */
    Session open(UUID tenant, UUID account, RoleArn role, Secret externalId, Purpose purpose, String name, boolean fresh) {
        Key key = new Key(tenant, account, purpose);
        if (!fresh) {
            Session cached = cache.getIfPresent(key);
            if (cached != null && clock.instant().isBefore(cached.expiration().minus(MARGIN))) {
                return cached;
            }
        }
        AssumeRoleResponse response = aws.sts().assumeRole(r -> r.roleArn(role.value()).externalId(externalId.reveal())
                .roleSessionName(name).durationSeconds((int) duration.toSeconds()).policy(purpose.sessionPolicy));
        Credentials c = response.credentials();
        Session session = new Session(name, AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()),
                c.expiration());
        cache.put(key, session);
        return session;
    }

    /** Forgets every session of an account at once (it was deleted, or its credentials stopped working). */
    void forget(UUID tenant, UUID account) {
        for (Purpose purpose : Purpose.values()) {
            cache.invalidate(new Key(tenant, account, purpose));
        }
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
