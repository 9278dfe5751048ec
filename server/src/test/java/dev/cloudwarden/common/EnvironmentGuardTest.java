package dev.cloudwarden.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.web.internal.DevTlsCertificate;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

class EnvironmentGuardTest {

    static final String STRONG = "q7Vn2xLr9TzKp4WmA8sD";

    /**
     * A production serving node's configuration that satisfies every rule (the runtime role's
     * credentials only: migrations run as a separate step); each refusal test breaks one setting.
     */
    static Map<String, String> validProd() {
        Map<String, String> settings = new HashMap<>(Map.of(
                "cloudwarden.environment", "prod",
                "cloudwarden.kek.provider", "aws-kms",
                "server.ssl.bundle", "web",
                "cloudwarden.database.ssl-mode", "verify-full",
                "cloudwarden.database.bootstrap", "false",
                "cloudwarden.database.app-password", STRONG + "-app",
                "cloudwarden.public-url", "https://cloud.acme.example.com",
                "cloudwarden.security-contact", "mailto:security@acme.com"));
        settings.putAll(Map.of(
                "spring.mail.host", "smtp.acme.com",
                "spring.mail.port", "465",
                "spring.mail.ssl.enabled", "true",
                "cloudwarden.cloud.platform-principal", "arn:aws:iam::123456789012:role/cloudwarden-platform"));
        return settings;
    }

    /** The migration step's configuration in prod: the database and the owner's credentials. */
    static Map<String, String> validProdMigration() {
        return new HashMap<>(Map.of(
                "cloudwarden.environment", "prod",
                "cloudwarden.command", "migrate",
                "cloudwarden.database.ssl-mode", "verify-full",
                "cloudwarden.database.bootstrap", "false",
                "cloudwarden.database.owner-password", STRONG + "-owner"));
    }

    static final String STARTTLS = "spring.mail.properties.mail.smtp.starttls.";

    /** The settings with one changed; a null value removes the setting. */
    static Map<String, String> with(Map<String, String> settings, String key, String value) {
        settings.remove(key);
        if (value != null) {
            settings.put(key, value);
        }
        return settings;
    }

    static void guard(Map<String, String> settings) {
        MockEnvironment env = new MockEnvironment();
        settings.forEach(env::setProperty);
        guard(env);
    }

    static void guard(MockEnvironment env) {
        new EnvironmentGuard().postProcessEnvironment(env, new SpringApplication());
    }

    @Test
    void validProdStarts() {
        assertThatCode(() -> guard(validProd())).doesNotThrowAnyException();
        assertThatCode(() -> guard(with(with(with(validProd(), "cloudwarden.kek.provider", "vault-transit"),
                "cloudwarden.kek.vault-transit.token", "hvs." + STRONG), "cloudwarden.kek.vault-transit.address", "https://vault.internal:8200")))
                .doesNotThrowAnyException();
        assertThatCode(() -> guard(with(validProd(), "cloudwarden.kek.aws-kms.secret-access-key", STRONG + STRONG)))
                .as("static AWS keys are allowed when strong").doesNotThrowAnyException();
        Map<String, String> startTls = with(with(with(with(validProd(), "spring.mail.ssl.enabled", null), STARTTLS + "enable", "true"),
                STARTTLS + "required", "true"), "spring.mail.properties.mail.smtp.ssl.checkserveridentity", "true");
        assertThatCode(() -> guard(startTls)).as("required STARTTLS with the host name checked").doesNotThrowAnyException();
        assertThatCode(() -> guard(with(validProd(), "cloudwarden.security-contact", "https://acme.com/security")))
                .doesNotThrowAnyException();
    }

    @Test
    void prodKeepsATerminatedOrganisationsDataAtLeastSixtyDays() {
        String key = "cloudwarden.lifecycle.retention";
        assertThatCode(() -> guard(with(validProd(), key, "P90D"))).doesNotThrowAnyException();
        assertThatCode(() -> guard(with(validProd(), key, "60d"))).doesNotThrowAnyException();
        for (String tooShort : new String[] {"P59D", "PT10M", "soon"}) {
            assertThatThrownBy(() -> guard(with(validProd(), key, tooShort))).as(tooShort)
                    .hasMessageContaining(key + ": must be at least 60 days").hasMessageNotContaining(tooShort);
        }
        assertThatCode(() -> guard(new MockEnvironment().withProperty(key, "PT10M"))).as("dev tries the cycle quickly").doesNotThrowAnyException();
    }

    @Test
    void theMigrationStepNeedsTheOwnersCredentialsAndNothingOfTheServer() {
        assertThatCode(() -> guard(validProdMigration())).doesNotThrowAnyException();
        assertThatThrownBy(() -> guard(with(validProdMigration(), "cloudwarden.database.owner-password", null)))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.owner-password: ");
        assertThatThrownBy(() -> guard(with(validProdMigration(), "cloudwarden.database.owner-password", "cloudwarden_owner")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.owner-password: ");
        assertThatThrownBy(() -> guard(with(validProdMigration(), "cloudwarden.database.ssl-mode", "require")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.ssl-mode: ");
        assertThatThrownBy(() -> guard(with(validProdMigration(), "cloudwarden.database.bootstrap", "true")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.bootstrap: ");
    }

    @Test
    void ownerCredentialsOnAServingNodeOnlyWhenExplicitlyAllowed() {
        String allow = "cloudwarden.database.allow-owner-credentials";
        assertThatCode(() -> guard(with(with(validProd(), allow, "true"), "cloudwarden.database.owner-password", STRONG + "-owner")))
                .doesNotThrowAnyException();
        assertThatCode(() -> guard(with(with(with(validProd(), allow, "true"), "cloudwarden.database.migrate-on-start", "true"),
                "cloudwarden.database.owner-password", STRONG + "-owner"))).doesNotThrowAnyException();
        // allowed, but still no demo password, and migrating at start needs one
        assertThatThrownBy(() -> guard(with(with(validProd(), allow, "true"), "cloudwarden.database.owner-password", "change-me-owner")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.owner-password: ");
        assertThatThrownBy(() -> guard(with(with(validProd(), allow, "true"), "cloudwarden.database.migrate-on-start", "true")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining(" - cloudwarden.database.owner-password: ");
    }

    @Test
    void devPassesWithDefaults() {
        assertThatCode(() -> guard(new MockEnvironment())).doesNotThrowAnyException();
        assertThatCode(() -> guard(new MockEnvironment().withProperty("cloudwarden.environment", "dev")
                .withProperty("cloudwarden.demo.enabled", "true"))).doesNotThrowAnyException();
    }

    static Stream<Arguments> prodRefusals() {
        return Stream.of(
                refusal("cloudwarden.kek.provider", "local"),
                refusal("cloudwarden.kek.provider", null),
                refusal("cloudwarden.kek.provider", "plaintext"),
                refusal("server.ssl.enabled", "false"),
                refusal("server.ssl.bundle", null),
                refusal("server.ssl.bundle", ""),
                refusal("cloudwarden.database.ssl-mode", "prefer"),
                refusal("cloudwarden.database.ssl-mode", "require"),
                refusal("cloudwarden.database.ssl-mode", null),
                refusal("cloudwarden.database.bootstrap", "true"),
                refusal("cloudwarden.database.bootstrap", null),
                refusal("cloudwarden.database.bootstrap", "maybe"),
                refusal("cloudwarden.demo.enabled", "true"),
                // P9, P10: AWS itself, named by its real principal
                refusal("cloudwarden.cloud.platform-principal", null),
                refusal("cloudwarden.cloud.sandbox.enabled", "true"),
                refusal("cloudwarden.cloud.sandbox.enabled", "maybe"),
                refusal("cloudwarden.cloud.endpoint", "https://127.0.0.1:4566"),
                refusal("AWS_ENDPOINT_URL", "https://127.0.0.1:4566"),
                refusal("AWS_ENDPOINT_URL_STS", "https://sts.attacker.example"),
                refusal("aws.endpointUrlEc2", "https://ec2.attacker.example"),
                refusal("aws.endpointUrlKms", "https://kms.attacker.example"),
                // finding 10: a serving node does not hold the owner's credentials nor migrate
                refusal("cloudwarden.database.owner-password", STRONG + "-owner"),
                refusal("cloudwarden.database.migrate-on-start", "true"),
                refusal("cloudwarden.database.migrate-on-start", "maybe"),
                refusal("cloudwarden.database.app-password", null),
                refusal("cloudwarden.database.app-password", "   "),
                refusal("cloudwarden.database.app-password", "Postgres"),
                refusal("cloudwarden.database.app-password", "CHANGEME"),
                refusal("cloudwarden.database.app-password", "password"),
                refusal("cloudwarden.database.app-password", "change-me-app-password"),
                refusal("cloudwarden.database.app-password", "Xy7!short"),
                // finding 8: a public URL users can reach, a contact that reaches someone, TLS to SMTP
                refusal("cloudwarden.public-url", null),
                refusal("cloudwarden.public-url", "https://localhost:8443"),
                refusal("cloudwarden.public-url", "https://LOCALHOST."),
                refusal("cloudwarden.public-url", "https://cloud.localhost"),
                refusal("cloudwarden.public-url", "https://127.0.0.1:8443"),
                refusal("cloudwarden.public-url", "https://127.1.2.3"),
                refusal("cloudwarden.public-url", "https://[::1]:8443/"),
                refusal("cloudwarden.public-url", "https://0.0.0.0"),
                refusal("cloudwarden.public-url", "http://cloud.acme.example.com"),
                refusal("cloudwarden.security-contact", null),
                refusal("cloudwarden.security-contact", "mailto:security@cloudwarden.invalid"),
                refusal("cloudwarden.security-contact", "mailto:security@acme.INVALID"),
                refusal("cloudwarden.security-contact", "https://security.acme.invalid/report"),
                refusal("cloudwarden.security-contact", "mailto:security@example.com.test"),
                refusal("cloudwarden.security-contact", "security@acme.com"),
                refusal("spring.mail.ssl.enabled", null),
                refusal("spring.mail.ssl.enabled", "false"),
                refusal("spring.mail.ssl.verify-hostname", "false"),
                refusal("spring.mail.properties.mail.smtp.ssl.trust", "*"),
                refusal("cloudwarden.kek.aws-kms.secret-access-key", "secret"),
                refusal("cloudwarden.kek.aws-kms.secret-access-key", "changeme-aws-secret-key"),
                refusal("cloudwarden.kek.aws-kms.endpoint", "http://localhost:4566"));
    }

    static Arguments refusal(String setting, String value) {
        return Arguments.of(setting, value);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("prodRefusals")
    void prodRefusesOneUnsafeSetting(String setting, String value) {
        assertThatThrownBy(() -> guard(with(validProd(), setting, value))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 unsafe setting")
                .hasMessageContaining(" - " + setting + ": ");
    }

    /** STARTTLS that is only offered, or without the host name check, is refused by the exact setting at fault. */
    @Test
    void startTlsMustBeRequiredAndCheckTheHostName() {
        Map<String, String> startTls = with(with(validProd(), "spring.mail.ssl.enabled", null), STARTTLS + "enable", "true");
        Map<String, String> checked = with(startTls, "spring.mail.properties.mail.smtp.ssl.checkserveridentity", "true");
        assertThatThrownBy(() -> guard(new HashMap<>(checked))).hasMessageContaining("1 unsafe setting")
                .hasMessageContaining(" - " + STARTTLS + "required: ");
        assertThatThrownBy(() -> guard(with(new HashMap<>(checked), STARTTLS + "required", "false"))).hasMessageContaining("1 unsafe setting")
                .hasMessageContaining(" - " + STARTTLS + "required: ");
        Map<String, String> required = with(with(new HashMap<>(startTls), STARTTLS + "required", "true"),
                "spring.mail.properties.mail.smtp.ssl.checkserveridentity", null);
        assertThatThrownBy(() -> guard(required)).hasMessageContaining("1 unsafe setting")
                .hasMessageContaining(" - spring.mail.properties.mail.smtp.ssl.checkserveridentity: ");
    }

    @ParameterizedTest(name = "token={0}")
    @NullSource
    @ValueSource(strings = {"", "root", "demo", "Change-Me-Vault-Root-Token"})
    void vaultTransitNeedsARealToken(String token) {
        Map<String, String> settings = with(with(validProd(), "cloudwarden.kek.provider", "vault-transit"),
                "cloudwarden.kek.vault-transit.address", "https://vault.internal:8200");
        assertThatThrownBy(() -> guard(with(settings, "cloudwarden.kek.vault-transit.token", token))).hasMessageContaining("1 unsafe setting")
                .hasMessageContaining(" - cloudwarden.kek.vault-transit.token: ");
    }

    @Test
    void messagesNeverEchoTheSecretOrTheValue() {
        String weak = "change-me-really-secret-value";
        String ownerPassword = "q7Vn2xLr9TzKp4WmA8sD-owner-on-a-node";
        Map<String, String> settings = validProd();
        settings.put("cloudwarden.database.owner-password", ownerPassword);
        settings.put("cloudwarden.database.app-password", "hunter2");
        settings.put("cloudwarden.kek.aws-kms.secret-access-key", "changeme-AKIA-demo-key");
        settings.put("cloudwarden.public-url", "https://127.0.0.42:9443/platform");
        settings.put("cloudwarden.security-contact", "mailto:someone-private@acme.invalid");
        assertThatThrownBy(() -> guard(settings))
                .hasMessageContaining("5 unsafe settings")
                .hasMessageContaining("cloudwarden.database.owner-password")
                .hasMessageContaining("cloudwarden.public-url")
                .hasMessageContaining("cloudwarden.security-contact")
                .hasMessageNotContaining(ownerPassword)
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("changeme-AKIA-demo-key")
                .hasMessageNotContaining("127.0.0.42")
                .hasMessageNotContaining("someone-private");
        Map<String, String> allowed = with(with(validProd(), "cloudwarden.database.allow-owner-credentials", "true"),
                "cloudwarden.database.owner-password", weak);
        assertThatThrownBy(() -> guard(allowed)).hasMessageContaining("cloudwarden.database.owner-password").hasMessageNotContaining(weak);
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        MockEnvironment env = new MockEnvironment().withProperty("cloudwarden.environment", "prod");
        assertThatThrownBy(() -> guard(env)).hasMessageContaining("9 unsafe settings")
                .hasMessageContaining("cloudwarden.kek.provider")
                .hasMessageContaining("cloudwarden.cloud.platform-principal")
                .hasMessageContaining("server.ssl.bundle")
                .hasMessageContaining("cloudwarden.database.ssl-mode")
                .hasMessageContaining("cloudwarden.database.bootstrap")
                .hasMessageContaining("cloudwarden.database.app-password")
                .hasMessageContaining("cloudwarden.public-url")
                .hasMessageContaining("cloudwarden.security-contact")
                .hasMessageContaining("spring.mail.ssl.enabled");
    }

    @Test
    void stagingRefusesALocalKekDemoDataAndPlainConnectionsToTheDatabaseOrVault() {
        MockEnvironment env = new MockEnvironment().withProperty("cloudwarden.environment", "staging")
                .withProperty("cloudwarden.demo.enabled", "true").withProperty("cloudwarden.cloud.sandbox.enabled", "true");
        assertThatThrownBy(() -> guard(env)).hasMessageContaining("Refusing to start in staging: 3 unsafe settings")
                .hasMessageContaining("cloudwarden.kek.provider")
                .hasMessageContaining("cloudwarden.demo.enabled")
                .hasMessageContaining("cloudwarden.database.ssl-mode");
        assertThatThrownBy(() -> guard(new MockEnvironment().withProperty("cloudwarden.environment", "staging")
                .withProperty("cloudwarden.database.ssl-mode", "verify-full")
                .withProperty("cloudwarden.kek.provider", "vault-transit")
                .withProperty("cloudwarden.kek.vault-transit.address", "http://vault.internal:8200")
                .withProperty("cloudwarden.cloud.platform-principal", "arn:aws:iam::123456789012:role/cloudwarden-platform")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining("cloudwarden.kek.vault-transit.address: must be an https:// address");
        assertThatCode(() -> guard(new MockEnvironment().withProperty("cloudwarden.environment", "staging")
                .withProperty("cloudwarden.database.ssl-mode", "verify-full")
                .withProperty("cloudwarden.kek.provider", "vault-transit")
                .withProperty("cloudwarden.kek.vault-transit.address", "https://vault.internal:8200")
                .withProperty("cloudwarden.cloud.platform-principal", "arn:aws:iam::123456789012:role/cloudwarden-platform")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> guard(new MockEnvironment().withProperty("cloudwarden.environment", "staging")
                .withProperty("cloudwarden.database.ssl-mode", "verify-full").withProperty("cloudwarden.kek.provider", "aws-kms")))
                .hasMessageContaining("1 unsafe setting").hasMessageContaining("cloudwarden.cloud.platform-principal");
    }

    @Test
    void anUnknownEnvironmentIsRefused() {
        for (String name : new String[] {"production", "PROD", "", "dev "}) {
            assertThatThrownBy(() -> guard(new MockEnvironment().withProperty("cloudwarden.environment", name)))
                    .hasMessageContaining("cloudwarden.environment: must be one of dev, staging, prod");
        }
    }

    @Test
    void settingsGivenAsEnvironmentVariablesAreSeen() {
        // Production is configured through environment variables; the guard must read them the way
        // the application binds them, or it would miss e.g. CLOUDWARDEN_DEMO_ENABLED.
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                        "CLOUDWARDEN_ENVIRONMENT", "staging",
                        "CLOUDWARDEN_KEK_PROVIDER", "aws-kms",
                        "CLOUDWARDEN_DATABASE_SSL_MODE", "verify-full",
                        "CLOUDWARDEN_CLOUD_PLATFORM_PRINCIPAL", "arn:aws:iam::123456789012:role/cloudwarden-platform",
                        "CLOUDWARDEN_DEMO_ENABLED", "true")));
        ConfigurationPropertySources.attach(env); // as SpringApplication does before post-processing
        assertThatThrownBy(() -> new EnvironmentGuard().postProcessEnvironment(env, new SpringApplication()))
                .hasMessageContaining("1 unsafe setting")
                .hasMessageContaining("cloudwarden.demo.enabled");
    }

    @Test
    void aRealProdStartWithALocalKekFailsBeforeTouchingTheDatabase(@TempDir Path dir) {
        // A real certificate and an otherwise valid prod configuration, so that without the guard the
        // start would go on to the database at 127.0.0.1:1 and fail with a connection error instead.
        new DevTlsCertificate().postProcessEnvironment(new MockEnvironment().withProperty("cloudwarden.data-dir",
                dir.toString()), new SpringApplication());
        // Command-line arguments, as an operator would pass them: they override application.yaml
        // (SpringApplicationBuilder.properties() would not, and would silently start in dev).
        SpringApplicationBuilder app = new SpringApplicationBuilder(CloudwardenApplication.class);
        String[] args = {
                "--cloudwarden.environment=prod",
                "--cloudwarden.kek.provider=local",
                "--server.port=0",
                "--management.server.port=0",
                "--server.ssl.certificate=file:" + dir.resolve("tls/server.crt"),
                "--server.ssl.certificate-private-key=file:" + dir.resolve("tls/server.key"),
                "--cloudwarden.database.host=127.0.0.1",
                "--cloudwarden.database.port=1",
                "--cloudwarden.database.ssl-mode=verify-full",
                "--cloudwarden.database.bootstrap=false",
                "--cloudwarden.database.app-password=" + STRONG + "-app",
                "--cloudwarden.public-url=https://cloud.acme.example.com",
                "--cloudwarden.security-contact=mailto:security@acme.com",
                "--spring.mail.host=smtp.acme.com",
                "--spring.mail.ssl.enabled=true",
                "--cloudwarden.cloud.platform-principal=arn:aws:iam::123456789012:role/cloudwarden-platform"};
        assertThatThrownBy(() -> app.run(args)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Refusing to start in prod: 1 unsafe setting")
                .hasMessageContaining("cloudwarden.kek.provider")
                .hasNoCause();
    }
}
