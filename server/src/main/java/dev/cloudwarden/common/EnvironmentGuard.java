package dev.cloudwarden.common;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.StringUtils;

/**
 * Promise P5: production is independent of dev and staging, and a misconfigured production server
 * does not start. Runs as an environment post-processor, so it sees application.yaml, environment
 * variables and command-line options, yet runs before any bean exists: no database connection is
 * opened and no key is loaded before the configuration has been judged.
 *
 * <p>Every violation is collected so an operator fixes them in one round. Messages name the setting
 * and what is expected, never a configured value: some of the settings checked are secrets.
 */
public class EnvironmentGuard implements EnvironmentPostProcessor, Ordered {

    static final Set<String> ENVIRONMENTS = Set.of("dev", "staging", "prod");

    /** Demo and default values that must never protect a production credential (compared case-insensitively). */
    static final Set<String> WEAK_SECRETS = Set.of("postgres", "password", "cloudwarden", "change-me", "changeme",
            "admin", "secret", "guest", "test", "dev", "demo");

    static final int MIN_SECRET_LENGTH = 16;

    /** How long a terminated organisation's data is kept at least, in prod (P17). */
    static final Duration MINIMUM_RETENTION = Duration.ofDays(60);

    /** {@code cloudwarden.command} of the migration step, which needs the owner's credentials. */
    static final String MIGRATE = "migrate";

    /** Lets a prod serving node hold the owner's credentials (and migrate at start) after all. */
    static final String ALLOW_OWNER_CREDENTIALS = "cloudwarden.database.allow-owner-credentials";

    /** Environment variables and system properties from which the AWS SDK takes an endpoint instead of AWS's own. */
    static final List<String> AWS_SDK_ENDPOINTS = List.of("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_EC2",
            "AWS_ENDPOINT_URL_KMS", "aws.endpointUrl", "aws.endpointUrlSts", "aws.endpointUrlEc2", "aws.endpointUrlKms");

    /** Top-level domains that never reach anyone (RFC 2606, RFC 6761). */
    static final Set<String> RESERVED_DOMAINS = Set.of("invalid", "example", "test", "localhost");

    /** One unsafe setting: its exact key and what is expected instead. */
    record Violation(String setting, String expected) {
        @Override
        public String toString() {
            return setting + ": " + expected;
        }
    }

    @Override
    public int getOrder() {
        // After the config data (application.yaml, environment, command line) is loaded, and before
        // DevTlsCertificate (LOWEST_PRECEDENCE), so a prod start is judged as a whole first.
        return Ordered.LOWEST_PRECEDENCE - 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        String environment = env.getProperty("cloudwarden.environment", "dev");
        List<Violation> violations = violations(env, environment);
        if (!violations.isEmpty()) {
            String where = ENVIRONMENTS.contains(environment) ? environment : "an unknown environment";
            String count = violations.size() + (violations.size() == 1 ? " unsafe setting" : " unsafe settings");
            throw new IllegalStateException("Refusing to start in " + where + ": " + count
                    + " (see docs/security-model.md, Environments):" + violations.stream().map(v -> "\n - " + v).collect(Collectors.joining()));
        }
    }

    static List<Violation> violations(PropertyResolver env, String environment) {
        List<Violation> violations = new ArrayList<>();
        if (!ENVIRONMENTS.contains(environment)) {
            // Fail closed: a typo must not silently fall back to the lenient dev rules.
            violations.add(new Violation("cloudwarden.environment", "must be one of dev, staging, prod"));
            return violations;
        }
        if (environment.equals("dev")) {
            return violations;
        }
        if (MIGRATE.equals(env.getProperty("cloudwarden.command"))) {
            migrationViolations(env, environment, violations);
            return violations;
        }

        // staging and prod: their own KEK outside the node, no demo data, TLS to the database and to Vault.
        String provider = env.getProperty("cloudwarden.kek.provider", "local");
        if (!provider.equals("aws-kms") && !provider.equals("vault-transit")) {
            violations.add(new Violation("cloudwarden.kek.provider",
                    "must be aws-kms or vault-transit (local keeps the key-encryption key on the app node)"));
        }
        if (!isFlag(env, "cloudwarden.demo.enabled", false, false)) {
            violations.add(new Violation("cloudwarden.demo.enabled", "must be false (no demo data outside dev)"));
        }
        // P15: database traffic is encrypted and the server authenticated everywhere but dev.
        if (!"verify-full".equals(env.getProperty("cloudwarden.database.ssl-mode", "prefer"))) {
            violations.add(new Violation("cloudwarden.database.ssl-mode",
                    "must be verify-full (encrypted, and the server's certificate and host name checked)"));
        }
        // The Vault token and every wrapped keyset travel to this address.
        if (provider.equals("vault-transit")
                && !env.getProperty("cloudwarden.kek.vault-transit.address", "").toLowerCase(Locale.ROOT).startsWith("https://")) {
            violations.add(new Violation("cloudwarden.kek.vault-transit.address", "must be an https:// address"));
        }
        // P10: customers' trust policies name the platform's own principal, so it must be the real one.
        if (!StringUtils.hasText(env.getProperty("cloudwarden.cloud.platform-principal"))
                && !isFlag(env, "cloudwarden.cloud.sandbox.enabled", true, false)) {
            violations.add(new Violation("cloudwarden.cloud.platform-principal",
                    "must be the ARN of the platform's AWS principal (the one customers' role trust policies name)"));
        }
        if (!environment.equals("prod")) {
            return violations;
        }

        // P9: production talks to AWS itself, never to the sandbox or another endpoint.
        if (!isFlag(env, "cloudwarden.cloud.sandbox.enabled", false, false)) {
            violations.add(new Violation("cloudwarden.cloud.sandbox.enabled", "must be false (the sandbox AWS is for dev)"));
        }
        if (StringUtils.hasText(env.getProperty("cloudwarden.cloud.endpoint"))) {
            violations.add(new Violation("cloudwarden.cloud.endpoint", "must not be set in prod (AWS's own endpoints only)"));
        }
        // The AWS SDK also takes endpoints from these, and would send the platform's credentials there.
        for (String setting : AWS_SDK_ENDPOINTS) {
            if (StringUtils.hasText(env.getProperty(setting))) {
                violations.add(new Violation(setting, "must not be set in prod (the AWS SDK would send its calls to that endpoint)"));
            }
        }

        // P17: a terminated organisation's data is kept at least 60 days (a tenant's own retention may only be longer).
        if (!atLeast(env.getProperty("cloudwarden.lifecycle.retention", "60d"), MINIMUM_RETENTION)) {
            violations.add(new Violation("cloudwarden.lifecycle.retention", "must be at least 60 days (P60D)"));
        }
        if (!isFlag(env, "server.ssl.enabled", true, true)) {
            violations.add(new Violation("server.ssl.enabled", "must be true (HTTPS only)"));
        }
        if (!StringUtils.hasText(env.getProperty("server.ssl.bundle"))
                && !StringUtils.hasText(env.getProperty("server.ssl.certificate"))
                && !StringUtils.hasText(env.getProperty("server.ssl.key-store"))) {
            violations.add(new Violation("server.ssl.bundle",
                    "a certificate must be configured (server.ssl.bundle, server.ssl.certificate or server.ssl.key-store)"));
        }
        if (!isFlag(env, "cloudwarden.database.bootstrap", false, true)) {
            violations.add(new Violation("cloudwarden.database.bootstrap",
                    "must be false (roles are provisioned by SQL; no admin credentials on app nodes)"));
        }
        // A serving node holds the runtime role's credentials only: migrations are a separate step
        // (./cloudwarden migrate) with the owner's, unless an operator explicitly allows both on one node.
        boolean migrateOnStart = !isFlag(env, "cloudwarden.database.migrate-on-start", false, false);
        if (isFlag(env, ALLOW_OWNER_CREDENTIALS, true, false)) {
            // A role's own name is the classic demo password, and cloudwarden_owner is long enough to pass.
            checkSecret(env, "cloudwarden.database.owner-password", migrateOnStart, violations,
                    env.getProperty("cloudwarden.database.owner-user", "cloudwarden_owner"));
        } else {
            if (StringUtils.hasText(env.getProperty("cloudwarden.database.owner-password"))) {
                violations.add(new Violation("cloudwarden.database.owner-password", "must not be set on a serving node: run "
                        + "./cloudwarden migrate with it as a separate step (or set " + ALLOW_OWNER_CREDENTIALS + "=true)"));
            }
            if (migrateOnStart) {
                violations.add(new Violation("cloudwarden.database.migrate-on-start", "must be false: run ./cloudwarden migrate "
                        + "as a separate step (or set " + ALLOW_OWNER_CREDENTIALS + "=true)"));
            }
        }
        checkSecret(env, "cloudwarden.database.app-password", true, violations,
                env.getProperty("cloudwarden.database.app-user", "cloudwarden_app"));
        // Links in emails and security.txt point here; the security contact must reach someone.
        if (!isPublicHttpsUrl(env.getProperty("cloudwarden.public-url", CloudwardenProperties.DEFAULT_PUBLIC_URL))) {
            violations.add(new Violation("cloudwarden.public-url",
                    "must be the https:// address users reach, not localhost or a loopback address"));
        }
        if (!isReachableContact(env.getProperty("cloudwarden.security-contact", CloudwardenProperties.DEFAULT_SECURITY_CONTACT))) {
            violations.add(new Violation("cloudwarden.security-contact", "must be a mailto:, https: or tel: address that reaches "
                    + "your security team, not one under a reserved domain (.invalid, .example, .test, .localhost)"));
        }
        mailViolations(env, violations);
        if (provider.equals("vault-transit")) {
            checkSecret(env, "cloudwarden.kek.vault-transit.token", true, violations, null);
        }
        if (provider.equals("aws-kms")) {
            // Static keys are allowed (instance roles are preferred), demo ones are not.
            checkSecret(env, "cloudwarden.kek.aws-kms.secret-access-key", false, violations, null);
            if (StringUtils.hasText(env.getProperty("cloudwarden.kek.aws-kms.endpoint"))) {
                violations.add(new Violation("cloudwarden.kek.aws-kms.endpoint",
                        "must not be set (an endpoint override points at a KMS simulator, not AWS KMS)"));
            }
        }
        return violations;
    }

    /**
     * {@code ./cloudwarden migrate}: the process talks to the database only, as its owner, so only
     * the database rules apply, and the owner's password is what it needs.
     */
    private static void migrationViolations(PropertyResolver env, String environment, List<Violation> violations) {
        if (!"verify-full".equals(env.getProperty("cloudwarden.database.ssl-mode", "prefer"))) {
            violations.add(new Violation("cloudwarden.database.ssl-mode",
                    "must be verify-full (encrypted, and the server's certificate and host name checked)"));
        }
        if (environment.equals("prod")) {
            if (!isFlag(env, "cloudwarden.database.bootstrap", false, true)) {
                violations.add(new Violation("cloudwarden.database.bootstrap",
                        "must be false (roles are provisioned by SQL; no admin credentials on app nodes)"));
            }
            checkSecret(env, "cloudwarden.database.owner-password", true, violations,
                    env.getProperty("cloudwarden.database.owner-user", "cloudwarden_owner"));
        }
    }

    /**
     * Mail carries password-reset and invitation links: TLS to the SMTP server, with its certificate
     * checked against its host name. Implicit TLS (SMTPS) or STARTTLS that is required, never merely
     * offered (a plain-text fallback an attacker on the path can force).
     */
    private static void mailViolations(PropertyResolver env, List<Violation> violations) {
        String protocol = env.getProperty("spring.mail.protocol", "smtp").strip().toLowerCase(Locale.ROOT);
        String session = "spring.mail.properties.mail." + protocol + ".";
        boolean bootTls = isFlag(env, "spring.mail.ssl.enabled", true, false);
        boolean implicitTls = bootTls || protocol.equals("smtps") || isFlag(env, session + "ssl.enable", true, false);
        boolean startTls = isFlag(env, session + "starttls.enable", true, false);
        if (!implicitTls && !startTls) {
            violations.add(new Violation("spring.mail.ssl.enabled", "TLS to the SMTP server is required: spring.mail.ssl.enabled=true "
                    + "(SMTPS), or " + session + "starttls.enable=true with " + session + "starttls.required=true (STARTTLS)"));
            return;
        }
        if (!implicitTls && !isFlag(env, session + "starttls.required", true, false)) {
            violations.add(new Violation(session + "starttls.required",
                    "must be true (otherwise mail goes out in plain text whenever STARTTLS is not offered, or is stripped)"));
        }
        // Spring Boot turns the host name check on for spring.mail.ssl.enabled or an SSL bundle, unless
        // told not to; otherwise the mail session must be told (Jakarta Mail does not check by default).
        if (bootTls || StringUtils.hasText(env.getProperty("spring.mail.ssl.bundle"))) {
            if (!isFlag(env, "spring.mail.ssl.verify-hostname", true, true)) {
                violations.add(new Violation("spring.mail.ssl.verify-hostname",
                        "must be true (the SMTP server's certificate must match its host name)"));
            }
        } else if (!isFlag(env, session + "ssl.checkserveridentity", true, false)) {
            violations.add(new Violation(session + "ssl.checkserveridentity",
                    "must be true (the SMTP server's certificate must match its host name)"));
        }
        if ("*".equals(env.getProperty(session + "ssl.trust", "").strip())) {
            violations.add(new Violation(session + "ssl.trust", "must not be * (that trusts any certificate)"));
        }
    }

    /** An https URL whose host is a name or address other than localhost and the loopback and wildcard addresses. */
    static boolean isPublicHttpsUrl(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            return false;
        }
        String host = uri.getHost();
        return "https".equalsIgnoreCase(uri.getScheme()) && host != null && !isLocalHost(host);
    }

    private static boolean isLocalHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (h.startsWith("[") || h.contains(":")) { // an IPv6 literal: parsed without any name lookup
            try {
                InetAddress address = InetAddress.getByName(h.replace("[", "").replace("]", ""));
                return address.isLoopbackAddress() || address.isAnyLocalAddress();
            } catch (UnknownHostException e) {
                return true;
            }
        }
        if (h.matches("[0-9.]+")) { // IPv4, in dotted form only (no lookup of odd numeric forms)
            return !h.matches("(\\d{1,3}\\.){3}\\d{1,3}") || h.startsWith("127.") || h.equals("0.0.0.0");
        }
        return false;
    }

    /** A security.txt Contact that can reach someone: mailto:, https: or tel:, outside the reserved domains. */
    static boolean isReachableContact(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String domain = switch (scheme) {
            case "mailto" -> {
                String address = uri.getSchemeSpecificPart();
                int at = address == null ? -1 : address.lastIndexOf('@');
                yield at < 0 ? null : address.substring(at + 1).replaceFirst("[?].*$", "");
            }
            case "https" -> uri.getHost();
            case "tel" -> "tel";
            default -> null;
        };
        if (domain == null || domain.isBlank()) {
            return false;
        }
        String d = domain.toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
        return RESERVED_DOMAINS.stream().noneMatch(r -> d.equals(r) || d.endsWith("." + r));
    }

    /** Whether {@code value} is a duration (ISO-8601 or 60d-style) of at least {@code minimum}; false when unreadable. */
    private static boolean atLeast(String value, Duration minimum) {
        try {
            return DurationStyle.detectAndParse(value.strip()).compareTo(minimum) >= 0;
        } catch (RuntimeException notADuration) {
            return false;
        }
    }

    /** True when the flag is set to {@code expected}, or absent and the default is {@code expected}; false when unreadable. */
    private static boolean isFlag(PropertyResolver env, String key, boolean expected, boolean defaultValue) {
        try {
            return env.getProperty(key, Boolean.class, defaultValue) == expected;
        } catch (RuntimeException notABoolean) {
            return false;
        }
    }

    private static void checkSecret(PropertyResolver env, String key, boolean required, List<Violation> violations,
            String userName) {
        String value = env.getProperty(key);
        if (value == null && !required) {
            return;
        }
        if (isWeak(value) || value.strip().equalsIgnoreCase(userName)) {
            violations.add(new Violation(key, "must be set to a generated secret of at least " + MIN_SECRET_LENGTH
                    + " characters, not a default or demo value"));
        }
    }

    static boolean isWeak(String secret) {
        if (secret == null || secret.isBlank() || secret.length() < MIN_SECRET_LENGTH) {
            return true;
        }
        String lower = secret.strip().toLowerCase(Locale.ROOT);
        return WEAK_SECRETS.contains(lower) || lower.startsWith("change-me") || lower.startsWith("changeme");
    }
}
