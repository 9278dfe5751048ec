package dev.cloudwarden.abuse;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import dev.cloudwarden.activity.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Per-client-address rate limits: Bucket4j token buckets, one per {@link RateLimit} and client
 * address ({@link ClientAddresses}), with the limits of {@link RateLimitSettings}. The buckets live in
 * memory on each node (a bounded Caffeine cache), so with N nodes behind a load balancer an address
 * gets up to N times the limit; the per-account lockout ({@link BruteForceProtection}) is the
 * shared, exact one. Which route counts against which limit is the route table's to say; the web
 * module's filter asks here and answers 429.
 */
@Component
public class RateLimiter implements ClientAddress {

    private final RateLimitSettings settings;
    private final ClientAddresses clients;
    private final Cache<String, Bucket> buckets;

    RateLimiter(RateLimitSettings settings) {
        this.settings = settings;
        this.clients = new ClientAddresses(settings.trustedProxies());
        // An idle bucket refills completely within its period, so forgetting it after the longest
        // period loses nothing; the size bound caps memory under a flood of addresses.
        Duration longest = Arrays.stream(RateLimit.values()).map(g -> settings.limit(g).per()).max(Duration::compareTo).orElseThrow();
        this.buckets = Caffeine.newBuilder().maximumSize(settings.maxBuckets()).expireAfterAccess(longest).build();
    }

    /** Takes one request of {@code limit} from the client's bucket: empty when allowed, else how long until one comes back. */
    public Optional<Duration> take(RateLimit limit, HttpServletRequest request) {
        ConsumptionProbe probe = buckets.get(limit + "|" + clients.key(request), k -> newBucket(settings.limit(limit)))
                .tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /** The client address the limits count by, as the activity history records it. */
    @Override
    public String of(HttpServletRequest request) {
        InetAddress client = clients.client(request);
        return client == null ? null : client.getHostAddress();
    }

    private static Bucket newBucket(RateLimitSettings.Limit limit) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.requests()).refillGreedy(limit.requests(), limit.per()).build())
                .build();
    }
}
