package dev.cloudwarden.common;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Platform-wide settings ({@code cloudwarden.*}).
 *
 * @param environment    dev, staging or prod; later bound into every ciphertext's associated data
 * @param dataDir        where the server keeps generated files (dev TLS certificate, later the local KEK)
 * @param publicUrl      the URL users reach the platform at, used in links and security.txt
 * @param securityContact the Contact line of security.txt (a mailto: or https: URI)
 */
@ConfigurationProperties("cloudwarden")
public record CloudwardenProperties(Environment environment, Path dataDir, String publicUrl, String securityContact) {

    public enum Environment { dev, staging, prod }

    /** Dev defaults; the prod guard refuses both. */
    public static final String DEFAULT_PUBLIC_URL = "https://localhost:8443";
    public static final String DEFAULT_SECURITY_CONTACT = "mailto:security@cloudwarden.invalid";

    public CloudwardenProperties {
        if (environment == null) environment = Environment.dev;
        if (dataDir == null) dataDir = Path.of("data");
        if (publicUrl == null || publicUrl.isBlank()) publicUrl = DEFAULT_PUBLIC_URL;
        if (securityContact == null || securityContact.isBlank()) securityContact = DEFAULT_SECURITY_CONTACT;
        publicUrl = publicUrl.replaceAll("/+$", "");
    }
}
