package dev.cloudwarden.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
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
        if (!environment.equals("prod")) {
            return violations;
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
        // A role's own name is the classic demo password, and cloudwarden_owner is long enough to pass.
        checkSecret(env, "cloudwarden.database.owner-password", true, violations,
                env.getProperty("cloudwarden.database.owner-user", "cloudwarden_owner"));
        checkSecret(env, "cloudwarden.database.app-password", true, violations,
                env.getProperty("cloudwarden.database.app-user", "cloudwarden_app"));
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
