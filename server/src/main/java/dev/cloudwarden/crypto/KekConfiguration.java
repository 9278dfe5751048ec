package dev.cloudwarden.crypto;

import dev.cloudwarden.common.CloudwardenProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the KEK from {@code cloudwarden.kek.provider}; an unknown provider stops the server. */
@Configuration(proxyBeanMethods = false)
class KekConfiguration {

    @Bean
    KeyEncryptionKey keyEncryptionKey(KekSettings settings, CloudwardenProperties platform) {
        return switch (settings.provider()) {
            case "local" -> {
                if (platform.environment() != CloudwardenProperties.Environment.dev) {
                    throw new IllegalStateException("cloudwarden.kek.provider=local is for dev only; use aws-kms or vault-transit");
                }
                yield LocalKek.loadOrCreate(settings.local().file() != null ? settings.local().file()
                        : platform.dataDir().resolve("kek").resolve("local-kek.json"));
            }
            case "aws-kms" -> AwsKmsKek.create(settings.awsKms());
            case "vault-transit" -> new VaultTransitKek(settings.vaultTransit());
            default -> throw new IllegalStateException("cloudwarden.kek.provider must be local, aws-kms or vault-transit");
        };
    }
}
