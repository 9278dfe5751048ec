package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.crypto.EncryptedColumn;
import java.net.URI;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The way to AWS: AWS itself with the platform's credentials from the standard provider chain
 * (environment, profile, instance or task role), or in dev the sandbox AWS started here.
 */
@Configuration(proxyBeanMethods = false)
class CloudConfiguration {

    /** The sandbox: explicitly enabled, or by default in dev; the prod guard refuses it in prod. */
    static boolean sandboxEnabled(Environment env) {
        String explicit = env.getProperty("cloudwarden.cloud.sandbox.enabled");
        return explicit != null ? Boolean.parseBoolean(explicit) : "dev".equals(env.getProperty("cloudwarden.environment", "dev"));
    }

    static final class SandboxWanted implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return sandboxEnabled(context.getEnvironment());
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnWebApplication
    @Conditional(SandboxWanted.class)
    SandboxAws sandboxAws(CloudSettings settings, CloudwardenProperties platform, Environment env, Clock clock) {
        String certificate = env.getProperty("server.ssl.certificate");
        String key = env.getProperty("server.ssl.certificate-private-key");
        if (certificate == null || key == null) {
            throw new IllegalStateException("The sandbox AWS serves HTTPS with the server's PEM certificate (server.ssl.certificate "
                    + "and server.ssl.certificate-private-key); set cloudwarden.cloud.sandbox.enabled=false to run without it");
        }
        return new SandboxAws(settings.sandbox(), platform.dataDir(), certificate, key, clock);
    }

    @Bean(destroyMethod = "close")
    AwsAccess awsAccess(CloudSettings settings, ObjectProvider<SandboxAws> sandboxes, Environment env) {
        SandboxAws sandbox = sandboxes.getIfAvailable();
        if (sandbox != null) {
            return new AwsAccess(StaticCredentialsProvider.create(AwsBasicCredentials.create(sandbox.platformKeyId(), sandbox.platformSecret())),
                    SandboxAws.PLATFORM_PRINCIPAL, settings.stsRegion(), URI.create(sandbox.endpoint()), sandbox.trust(),
                    connections(settings, env));
        }
        // none configured (dev without the sandbox): the setup answers 503 rather than name a principal that is not ours
        String principal = settings.platformPrincipal() == null || settings.platformPrincipal().isEmpty() ? null : settings.platformPrincipal();
        return new AwsAccess(DefaultCredentialsProvider.builder().build(), principal, settings.stsRegion(), settings.endpoint(), null,
                connections(settings, env));
    }

    /** HTTP connections to AWS: every sync's regions at once, one per job run under way (db-scheduler.threads), and room for verifications. */
    private static int connections(CloudSettings settings, Environment env) {
        return settings.syncConcurrency() * InventorySync.REGIONS_AT_ONCE + env.getProperty("db-scheduler.threads", Integer.class, 10) + 16;
    }

    @Bean
    StsSessions stsSessions(AwsAccess aws, CloudSettings settings) {
        return new StsSessions(aws, settings.sessionDuration());
    }

    @Bean
    EncryptedColumn cloudRoleArnColumn() {
        return CloudAccountRows.ROLE_ARN;
    }

    @Bean
    EncryptedColumn cloudExternalIdColumn() {
        return ExternalIds.COLUMN;
    }
}
