package dev.cloudwarden.cloud.internal;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;

/**
 * The platform's way to AWS: one HTTP connection pool, an STS client signed with the platform's own
 * credentials (used for nothing but AssumeRole), and an EC2 client per region whose every request is
 * signed with a session's temporary credentials. Transient errors (throttling, 5xx, dropped connections, an expired request) are retried
 * by the SDK's standard strategy, up to {@link #MAX_ATTEMPTS} attempts per call, after exponential
 * backoff with jitter (throttling waits longer, from 1 s; at most 20 s). Its shared retry budget
 * (circuit breaker) is off: the clients serve every tenant, and one tenant's failing account must not
 * use up the retries of the others. What still fails is a run's readable error.
 */
final class AwsAccess implements AutoCloseable {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_ATTEMPTS = 4;

    private final SdkHttpClient http;
    private final StsClient sts;
    private final URI endpoint;
    private final String platformPrincipal;
    private final String stsRegion;
    private final Map<String, Ec2Client> ec2Clients = new ConcurrentHashMap<>();

    /**
     * @param endpoint  one endpoint for every service (the sandbox), or null for AWS's own
     * @param trust     the trust managers for that endpoint, or null for the JDK's
     */
    AwsAccess(AwsCredentialsProvider platformCredentials, String platformPrincipal, String stsRegion, URI endpoint, TrustManager[] trust,
              int maxConnections) {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder().maxConnections(maxConnections)
                .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(20));
        if (trust != null) {
            http.tlsTrustManagersProvider(() -> trust);
        }
        this.http = http.build();
        this.endpoint = endpoint;
        this.platformPrincipal = platformPrincipal;
        this.stsRegion = stsRegion;
        StsClientBuilder sts = StsClient.builder().httpClient(this.http).region(Region.of(stsRegion))
                .credentialsProvider(platformCredentials).overrideConfiguration(overrides());
        if (endpoint != null) {
            sts.endpointOverride(endpoint);
        }
        this.sts = sts.build();
    }

    /** The principal customers' trust policies name, or null where none is configured (dev without the sandbox). */
    String platformPrincipal() {
        return platformPrincipal;
    }

    /** The platform principal's partition (aws, aws-us-gov, aws-cn), or null. */
    String platformPartition() {
        return platformPrincipal == null ? null : platformPrincipal.split(":")[1];
    }

    /** The region whose STS endpoint the platform calls (enabled in every account). */
    String stsRegion() {
        return stsRegion;
    }

    StsClient sts() {
        return sts;
    }

    /**
     * A region's EC2 client with a session's credentials. The client is shared by every session (building
     * one per session cost more CPU than its calls) and has no credentials of its own: every request
     * carries {@link Ec2Session#signedAs()}, and one that does not fails before it is sent.
     */
    record Ec2Session(Ec2Client client, AwsRequestOverrideConfiguration signedAs) {
    }

    Ec2Session ec2(AwsSessionCredentials credentials, String region) {
        return new Ec2Session(ec2Clients.computeIfAbsent(region, this::ec2Client),
                AwsRequestOverrideConfiguration.builder().credentialsProvider(StaticCredentialsProvider.create(credentials)).build());
    }

    private Ec2Client ec2Client(String region) {
        Ec2ClientBuilder ec2 = Ec2Client.builder().httpClient(http).region(Region.of(region)).overrideConfiguration(overrides())
                .credentialsProvider(() -> {
                    throw SdkClientException.create("an EC2 request without a session's credentials");
                });
        if (endpoint != null) {
            ec2.endpointOverride(endpoint);
        }
        return ec2.build();
    }

    private static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder().apiCallTimeout(CALL_TIMEOUT)
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).circuitBreakerEnabled(false).build())
                .build();
    }

    @Override
    public void close() {
        ec2Clients.values().forEach(Ec2Client::close);
        sts.close();
        http.close();
    }
}
