package dev.cloudwarden.crypto;

import dev.cloudwarden.common.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.kek.*}: which key-encryption key wraps the tenant keysets.
 *
 * @param provider {@code local} (a keyset file, dev only), {@code aws-kms} or {@code vault-transit}
 */
@ConfigurationProperties("cloudwarden.kek")
public record KekSettings(String provider, Local local, AwsKms awsKms, VaultTransit vaultTransit) {

    public KekSettings {
        if (provider == null || provider.isBlank()) provider = "local";
        if (local == null) local = new Local(null);
        if (awsKms == null) awsKms = new AwsKms(null, List.of(), null, null, null, null, null);
        if (vaultTransit == null) vaultTransit = new VaultTransit(null, null, null, null, null);
    }

    /** @param file the keyset file; default {@code <data-dir>/kek/local-kek.json} */
    public record Local(Path file) {
    }

    /**
     * @param keyId the KMS key that wraps keysets and is named on every Decrypt (key id, key ARN, alias or alias ARN)
     * @param previousKeyIds keys that wrapped keysets before a key change, tried in order when KMS answers that
     *                       a keyset is not under {@code keyId}; a keyset under any other key is refused
     * @param endpoint an endpoint override (a simulator or a test double); unset for real AWS
     * @param accessKeyId static credentials, optional; otherwise the SDK's default provider chain
     */
    public record AwsKms(String keyId, List<String> previousKeyIds, String region, URI endpoint, String accessKeyId,
                         Secret secretAccessKey, Duration timeout) {
        public AwsKms {
            previousKeyIds = previousKeyIds == null ? List.of() : List.copyOf(previousKeyIds);
            if (region == null || region.isBlank()) region = "us-east-1";
            if (timeout == null) timeout = Duration.ofSeconds(10);
        }
    }

    public record VaultTransit(URI address, Secret token, String mount, String key, Duration timeout) {
        public VaultTransit {
            if (mount == null || mount.isBlank()) mount = "transit";
            if (key == null || key.isBlank()) key = "cloudwarden";
            if (timeout == null) timeout = Duration.ofSeconds(10);
        }
    }
}
