package dev.cloudwarden.cloud.internal;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * {@code cloudwarden.cloud.*}: how the platform reaches AWS (docs/cloud-accounts.md).
 *
 * @param platformPrincipal the platform's own AWS principal, which customers' trust policies name
 *                          (set it outside dev; with the sandbox it is the sandbox's)
 * @param stsRegion         the region whose STS endpoint the platform calls
 * @param endpoint          one endpoint for every AWS service instead of AWS's own (the sandbox);
 *                          refused in prod
 * @param sessionDuration   the lifetime of each STS session: 15 minutes to 1 hour
 * @param syncConcurrency   account syncs under way at once on this node (16: on two cores more only queue for the CPU)
 * @param sandbox           the dev sandbox AWS, started inside the server; refused in prod
 */
@ConfigurationProperties("cloudwarden.cloud")
record CloudSettings(String platformPrincipal, String stsRegion, URI endpoint, Duration sessionDuration, int syncConcurrency,
                     Sandbox sandbox) {

    /**
     * @param enabled   start the sandbox AWS (dev only)
     * @param port      its HTTPS port on 127.0.0.1 (0: any free port)
     * @param accountId the pre-seeded sandbox account that each organisation may connect
     */
    record Sandbox(boolean enabled, int port, String accountId) {
        @ConstructorBinding
        Sandbox {
            if (accountId == null) accountId = "210987654321";
            if (!accountId.matches("[0-9]{12}")) {
                throw new IllegalArgumentException("cloudwarden.cloud.sandbox.account-id must be 12 digits");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("cloudwarden.cloud.sandbox.port must be a port number");
            }
        }
    }

    @ConstructorBinding
    CloudSettings {
        if (stsRegion == null) stsRegion = "us-east-1";
        if (sessionDuration == null) sessionDuration = Duration.ofMinutes(15);
        if (syncConcurrency == 0) syncConcurrency = 16;
        if (sandbox == null) sandbox = new Sandbox(false, 4566, null);
        if (sessionDuration.compareTo(Duration.ofMinutes(15)) < 0 || sessionDuration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("cloudwarden.cloud.session-duration must be between 15 minutes and 1 hour");
        }
        if (syncConcurrency < 1 || syncConcurrency > 10_000) {
            throw new IllegalArgumentException("cloudwarden.cloud.sync-concurrency must be between 1 and 10000");
        }
        if (platformPrincipal != null && !platformPrincipal.isEmpty()
                && !platformPrincipal.matches("arn:(aws|aws-us-gov|aws-cn):(iam|sts)::[0-9]{12}:[A-Za-z0-9_+=,.@/-]+")) {
            throw new IllegalArgumentException("cloudwarden.cloud.platform-principal must be an IAM ARN");
        }
    }
}
