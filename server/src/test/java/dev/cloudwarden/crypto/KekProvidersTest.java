package dev.cloudwarden.crypto;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.support.FakeKeyServices;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The three KEK providers, the remote ones through the real clients on the wire against WireMock. */
class KekProvidersTest {

    private static final byte[] SECRET = "canary-keyset-bytes-7f3a".getBytes(StandardCharsets.UTF_8);
    private static final byte[] AD = "env=dev;tenant=a".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_AD = "env=prod;tenant=a".getBytes(StandardCharsets.UTF_8);

    private WireMockServer wire;
    private FakeKeyServices.Kms fakeKms;

    @BeforeEach
    void start() {
        fakeKms = new FakeKeyServices.Kms();
        fakeKms.createKey("alias/cloudwarden-test");
        wire = new WireMockServer(options().dynamicPort().extensions(fakeKms, new FakeKeyServices.Vault("vault-test-token-1234")));
        wire.start();
    }

    @AfterEach
    void stop() {
        wire.stop();
    }

    // --- AWS KMS -------------------------------------------------------------------------------

    private AwsKmsKek kms(Duration timeout) {
        return kms("alias/cloudwarden-test", List.of(), timeout);
    }

    private AwsKmsKek kms(String keyId, List<String> previousKeyIds) {
        return kms(keyId, previousKeyIds, Duration.ofSeconds(30)); // generous: the first call of a client is slow on a busy machine
    }

    private AwsKmsKek kms(String keyId, List<String> previousKeyIds, Duration timeout) {
        return AwsKmsKek.create(new KekSettings.AwsKms(keyId, previousKeyIds, "eu-west-1", URI.create(wire.baseUrl()),
                "AKIAFAKEFAKEFAKE1234", Secret.of("fake-secret-key-for-tests-only-0000000000"), timeout));
    }

    private static final String REFUSED = "AWS KMS Decrypt refused: the keyset is wrapped under a KMS key that is neither "
            + "cloudwarden.kek.aws-kms.key-id nor listed in cloudwarden.kek.aws-kms.previous-key-ids";

    @Test
    void awsKmsRoundTripOverTheRealSdkWithSignedRequestsAndTheContextBound() throws Exception {
        wire.stubFor(post("/").willReturn(aResponse().withTransformers("fake-kms")));
        AwsKmsKek kek = kms(Duration.ofSeconds(5));
        byte[] wrapped = kek.encrypt(SECRET, AD);
        assertThat(new String(wrapped, StandardCharsets.ISO_8859_1)).doesNotContain("canary-keyset-bytes");
        assertThat(kek.decrypt(wrapped, AD)).isEqualTo(SECRET);
        assertThat(kek.id()).isEqualTo("aws-kms:alias/cloudwarden-test");

        wire.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("TrentService.Encrypt"))
                .withHeader("Authorization", matching("AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE1234/\\d{8}/eu-west-1/kms/aws4_request.*"))
                .withRequestBody(matching(".*\"EncryptionContext\":\\{\"cloudwarden-aad\":\"[A-Za-z0-9+/=]+\"\\}.*")));
        // Decrypt names the configured key (AWS's recommended practice), it does not rely on the ciphertext's own
        wire.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt"))
                .withRequestBody(matchingJsonPath("$.KeyId", equalTo("alias/cloudwarden-test"))));
        wire.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt")));

        assertThatThrownBy(() -> kek.decrypt(wrapped, OTHER_AD))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage("AWS KMS Decrypt failed: InvalidCiphertextException (HTTP 400)");
    }

    @Test
    void aKeysetUnderAPreviousKmsKeyUnwrapsOnlyWhileThatKeyIsListedAsPrevious() throws Exception {
        wire.stubFor(post("/").willReturn(aResponse().withTransformers("fake-kms")));
        byte[] wrappedUnderOld = kms(Duration.ofSeconds(5)).encrypt(SECRET, AD);
        fakeKms.createKey("alias/cloudwarden-next");

        assertThatThrownBy(() -> kms("alias/cloudwarden-next", List.of()).decrypt(wrappedUnderOld, AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessage(REFUSED);

        wire.resetRequests();
        AwsKmsKek next = kms("alias/cloudwarden-next", List.of("alias/cloudwarden-test"));
        assertThat(next.decrypt(wrappedUnderOld, AD)).isEqualTo(SECRET);
        wire.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(matchingJsonPath("$.KeyId", equalTo("alias/cloudwarden-next"))));
        wire.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(matchingJsonPath("$.KeyId", equalTo("alias/cloudwarden-test"))));
        assertThat(next.decrypt(next.encrypt(SECRET, AD), AD)).as("new keysets go under the new key").isEqualTo(SECRET);
        assertThatThrownBy(() -> kms("alias/cloudwarden-test", List.of()).decrypt(next.encrypt(SECRET, AD), AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessage(REFUSED);
    }

    @Test
    void anAliasMovedToANewKeyKeepsOlderKeysetsReadableOnlyThroughTheListedOldKeyArn() throws Exception {
        wire.stubFor(post("/").willReturn(aResponse().withTransformers("fake-kms")));
        String oldKey = fakeKms.createKey("alias/cloudwarden-moving");
        byte[] wrappedUnderOld = kms("alias/cloudwarden-moving", List.of()).encrypt(SECRET, AD);
        fakeKms.createKey("alias/cloudwarden-moving"); // the alias now names a new key

        assertThatThrownBy(() -> kms("alias/cloudwarden-moving", List.of()).decrypt(wrappedUnderOld, AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessage(REFUSED);
        String oldArn = FakeKeyServices.Kms.keyArn("eu-west-1", oldKey);
        assertThat(kms("alias/cloudwarden-moving", List.of(oldArn)).decrypt(wrappedUnderOld, AD)).isEqualTo(SECRET);
        assertThat(kms("alias/cloudwarden-moving", List.of(oldKey)).decrypt(wrappedUnderOld, AD)).as("by key id").isEqualTo(SECRET);
    }

    @Test
    void aKeysetUnderAnUnlistedKmsKeyIsRefusedWithAClearErrorThatLeaksNothing() throws Exception {
        wire.stubFor(post("/").willReturn(aResponse().withTransformers("fake-kms")));
        String foreignKey = fakeKms.createKey("alias/someone-elses-key");
        byte[] foreign = kms("alias/someone-elses-key", List.of()).encrypt(SECRET, AD);
        fakeKms.createKey("alias/cloudwarden-older");

        wire.resetRequests();
        AwsKmsKek kek = kms("alias/cloudwarden-test", List.of("alias/cloudwarden-older"));
        assertThatThrownBy(() -> kek.decrypt(foreign, AD))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage(REFUSED)
                .hasNoCause()
                .message().doesNotContain("someone-else").doesNotContain(foreignKey).doesNotContain("canary")
                .doesNotContain(Base64.getEncoder().encodeToString(foreign).substring(0, 16));
        // every Decrypt named an allowed key: the foreign key was never asked to decrypt
        wire.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt")));
        wire.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(matchingJsonPath("$.KeyId", equalTo("alias/someone-elses-key"))));
        wire.verify(0, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt"))
                .withRequestBody(notContaining("\"KeyId\"")));
    }

    @Test
    void previousKmsKeyIdsBindFromConfigurationAndMustBeDistinct() {
        KekSettings settings = new Binder(new MapConfigurationPropertySource(Map.of(
                "cloudwarden.kek.provider", "aws-kms",
                "cloudwarden.kek.aws-kms.key-id", "alias/cloudwarden-next",
                "cloudwarden.kek.aws-kms.previous-key-ids", "alias/cloudwarden-test, arn:aws:kms:eu-west-1:111122223333:key/1234")))
                .bind("cloudwarden.kek", KekSettings.class).get();
        assertThat(settings.awsKms().previousKeyIds())
                .containsExactly("alias/cloudwarden-test", "arn:aws:kms:eu-west-1:111122223333:key/1234");
        assertThat(new KekSettings(null, null, null, null).awsKms().previousKeyIds()).isEmpty();
        assertThatThrownBy(() -> kms("alias/cloudwarden-test", List.of("alias/cloudwarden-test")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("previous-key-ids");
        assertThatThrownBy(() -> kms("alias/cloudwarden-test", List.of(" ")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("previous-key-ids");
    }

    @Test
    void awsKmsServerErrorsAndTimeoutsAreClearAndCarryNoPlaintext() {
        wire.stubFor(post("/").willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"KMSInternalException\",\"message\":\"boom\"}")));
        assertThatThrownBy(() -> kms(Duration.ofSeconds(5)).encrypt(SECRET, AD))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("AWS KMS Encrypt failed").hasMessageContaining("500")
                .message().doesNotContain("canary");

        wire.resetAll();
        wire.stubFor(post("/").willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(3_000)));
        assertThatThrownBy(() -> kms(Duration.ofMillis(600)).encrypt(SECRET, AD))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageStartingWith("AWS KMS Encrypt failed");
    }

    // --- Vault Transit ---------------------------------------------------------------------------

    private VaultTransitKek vault(String token, Duration timeout) {
        return new VaultTransitKek(new KekSettings.VaultTransit(URI.create(wire.baseUrl()), Secret.of(token), null, null, timeout));
    }

    @Test
    void vaultTransitRoundTripWithTheDocumentedRequestShapeAndBoundContext() throws Exception {
        wire.stubFor(post(urlEqualTo("/v1/transit/encrypt/cloudwarden")).willReturn(aResponse().withTransformers("fake-vault")));
        wire.stubFor(post(urlEqualTo("/v1/transit/decrypt/cloudwarden")).willReturn(aResponse().withTransformers("fake-vault")));
        VaultTransitKek kek = vault("vault-test-token-1234", Duration.ofSeconds(5));
        byte[] wrapped = kek.encrypt(SECRET, AD);
        assertThat(new String(wrapped, StandardCharsets.US_ASCII)).startsWith("vault:v1:");
        assertThat(kek.decrypt(wrapped, AD)).isEqualTo(SECRET);
        wire.verify(postRequestedFor(urlEqualTo("/v1/transit/encrypt/cloudwarden"))
                .withHeader("X-Vault-Token", equalTo("vault-test-token-1234"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(matching("\\{\"plaintext\":\"[A-Za-z0-9+/=]+\"\\}")));
        assertThatThrownBy(() -> kek.decrypt(wrapped, OTHER_AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("another context");
    }

    @Test
    void vaultTransitRefusalsAndTimeoutsAreClear() {
        wire.stubFor(post(urlEqualTo("/v1/transit/encrypt/cloudwarden")).willReturn(aResponse().withTransformers("fake-vault")));
        assertThatThrownBy(() -> vault("wrong-token", Duration.ofSeconds(5)).encrypt(SECRET, AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessage("Vault Transit answered HTTP 403");
        wire.resetAll();
        wire.stubFor(post(urlEqualTo("/v1/transit/encrypt/cloudwarden")).willReturn(aResponse().withStatus(500).withBody("{\"errors\":[\"internal\"]}")));
        assertThatThrownBy(() -> vault("vault-test-token-1234", Duration.ofSeconds(5)).encrypt(SECRET, AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessage("Vault Transit answered HTTP 500");
        wire.resetAll();
        wire.stubFor(post(urlEqualTo("/v1/transit/encrypt/cloudwarden")).willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(3_000)));
        assertThatThrownBy(() -> vault("vault-test-token-1234", Duration.ofMillis(500)).encrypt(SECRET, AD))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("unreachable");
    }

    // --- local ---------------------------------------------------------------------------------

    @Test
    void localKekIsCreatedPrivateAndKeepsDecryptingAfterRotation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kek/local-kek.json");
        LocalKek kek = LocalKek.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        byte[] before = kek.encrypt(SECRET, AD);
        String firstId = kek.id();
        kek.rotate();
        assertThat(kek.id()).isNotEqualTo(firstId);
        assertThat(kek.decrypt(before, AD)).isEqualTo(SECRET);
        byte[] after = kek.encrypt(SECRET, AD);
        assertThat(LocalKek.loadOrCreate(file).decrypt(after, AD)).as("reloaded from disk").isEqualTo(SECRET);
        assertThatThrownBy(() -> kek.decrypt(before, OTHER_AD)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aTruncatedLocalKekFileStopsWithAClearError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("local-kek.json");
        LocalKek.loadOrCreate(file);
        String json = Files.readString(file);
        Files.writeString(file, json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> LocalKek.loadOrCreate(file))
                .isInstanceOf(CryptoException.class).hasMessageContaining("is not a valid Tink keyset");
    }
}
