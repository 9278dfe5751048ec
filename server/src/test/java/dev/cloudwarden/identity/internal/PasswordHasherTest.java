package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * The native Argon2id (Debian's libargon2-1 through JNA) and BouncyCastle's compute the same hashes
 * in the same stored format: every hash made by one verifies with the other and with Spring
 * Security's Argon2PasswordEncoder (which made every hash stored before), for peppered, legacy
 * un-peppered and weaker-parameter hashes alike. The library is part of the machine image (and
 * .ci/run installs it), so these tests require it rather than skip.
 */
class PasswordHasherTest extends IntegrationTest {

    private static final String PASSWORD = "violet-harbour-kettle-93";
    private static final String NON_ASCII = "Grüße aus Köln, 東京 🔑 -42";
    /** What PasswordHasher stored from its first day: Spring Security's encoder at the production parameters. */
    private static final Argon2PasswordEncoder SPRING = new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);
    /** Spring Security 5.2's defaults: weaker than today's, so such a hash must be upgraded at sign-in. */
    private static final Argon2PasswordEncoder WEAKER = new Argon2PasswordEncoder(16, 32, 1, 4096, 3);

    @Autowired
    TenantKeyring keyring;

    @Autowired
    PasswordHasher serverHasher;

    @Autowired
    MeterRegistry serverMeters;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final HashingLimiter limiter = new HashingLimiter(new PasswordHashingSettings(null, null, 2, Duration.ofSeconds(30)), meters);
    private final PasswordHasher nativeHasher = new PasswordHasher(NativeArgon2.load("argon2"), limiter, meters);
    private final PasswordHasher javaHasher = new PasswordHasher(new JavaArgon2(), limiter, new SimpleMeterRegistry());

    @Test
    void theServerUsesTheNativeArgon2WhereTheLibraryIsInstalledAndSaysSoInAMetric() {
        assertThat(serverHasher.implementation()).isEqualTo("native");
        assertThat(serverMeters.get("cloudwarden.password.hasher").tag("implementation", "native").gauge().value()).isEqualTo(1.0);
        assertThat(nativeHasher.implementation()).isEqualTo("native");
        assertThat(javaHasher.implementation()).isEqualTo("java");
    }

    @Test
    void pepperedHashesVerifyAcrossImplementationsAndWithSpringSecurity() {
        TenantKeys keys = keyring.generate(UUID.randomUUID());
        for (String password : List.of(PASSWORD, NON_ASCII)) {
            String byNative = nativeHasher.hash(keys, Secret.of(password));
            String byJava = javaHasher.hash(keys, Secret.of(password));
            for (String stored : List.of(byNative, byJava)) {
                assertThat(stored).startsWith("p1:$argon2id$v=19$m=19456,t=2,p=1$").hasSize(3 + 97);
                for (PasswordHasher hasher : List.of(nativeHasher, javaHasher)) {
                    assertThat(hasher.matches(keys, Secret.of(password), stored)).as(hasher.implementation() + " verifies " + stored).isTrue();
                    assertThat(hasher.matches(keys, Secret.of(password + "x"), stored)).isFalse();
                    assertThat(hasher.needsUpgrade(stored)).isFalse();
                }
                // the part after p1: is exactly what Spring Security's encoder reads, over the Base64 pepper
                assertThat(SPRING.matches(pepper(keys, password), stored.substring(3))).isTrue();
            }
            assertThat(byNative).isNotEqualTo(byJava); // fresh salts
        }
        String stored = nativeHasher.hash(keys, Secret.of(PASSWORD));
        assertThat(javaHasher.matches(keyring.generate(UUID.randomUUID()), Secret.of(PASSWORD), stored))
                .as("another tenant's pepper does not match").isFalse();
    }

    @Test
    void hashesStoredBySpringSecurityVerifyNativelyIncludingLegacyAndWeakerOnesWhichNeedAnUpgrade() {
        TenantKeys keys = keyring.generate(UUID.randomUUID());
        for (String password : List.of(PASSWORD, NON_ASCII)) {
            String peppered = "p1:" + SPRING.encode(pepper(keys, password));
            String legacy = SPRING.encode(password);                    // before tenant keys: no pepper, no prefix
            String weaker = "p1:" + WEAKER.encode(pepper(keys, password)); // m=4096 t=3
            String weakerLegacy = WEAKER.encode(password);
            for (PasswordHasher hasher : List.of(nativeHasher, javaHasher)) {
                for (String stored : List.of(peppered, legacy, weaker, weakerLegacy)) {
                    assertThat(hasher.matches(keys, Secret.of(password), stored)).as(hasher.implementation() + " verifies " + stored).isTrue();
                    assertThat(hasher.matches(keys, Secret.of("wrong " + password), stored)).isFalse();
                }
                assertThat(hasher.needsUpgrade(peppered)).isFalse();
                assertThat(hasher.needsUpgrade(legacy)).isTrue();
                assertThat(hasher.needsUpgrade(weaker)).isTrue();
                assertThat(hasher.needsUpgrade(weakerLegacy)).isTrue();
            }
        }
    }

    @Test
    void malformedOrForeignHashesNeverMatchAndCostNothing() {
        TenantKeys keys = keyring.generate(UUID.randomUUID());
        double before = meters.get("cloudwarden.password.verifications").counter().count();
        String good = nativeHasher.hash(keys, Secret.of(PASSWORD)).substring(3);
        List<String> bad = List.of("", "p1:", "p1:$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                "p1:" + good.replace("m=19456", "m=4194304"),   // 4 GiB: refused before any allocation
                "p1:" + good.replace("v=19", "v=20"),
                "p1:" + good + "$extra",
                "$2a$10$abcdefghijklmnopqrstuuH0Qe7yjP5t6W5iVFXG0m7Oe2r3Yrq9e");
        for (String stored : bad) {
            assertThat(nativeHasher.matches(keys, Secret.of(PASSWORD), stored)).as(stored).isFalse();
            assertThat(javaHasher.matches(keys, Secret.of(PASSWORD), stored)).as(stored).isFalse();
        }
        assertThat(meters.get("cloudwarden.password.verifications").counter().count()).isEqualTo(before);
    }

    @Test
    void everyVerificationIsCountedTheDummyOneIncluded() {
        TenantKeys keys = keyring.generate(UUID.randomUUID());
        String stored = nativeHasher.hash(keys, Secret.of(PASSWORD));
        double before = meters.get("cloudwarden.password.verifications").counter().count();
        nativeHasher.matches(keys, Secret.of(PASSWORD), stored);
        nativeHasher.matches(keys, Secret.of("wrong"), stored);
        nativeHasher.matchDummy(Secret.of(PASSWORD));
        assertThat(meters.get("cloudwarden.password.verifications").counter().count() - before).isEqualTo(3.0);
    }

    @Test
    void withoutTheLibraryAutoFallsBackToJavaAndNativeRefusesToStart() {
        PasswordHashingSettings auto = new PasswordHashingSettings(PasswordHashingSettings.Implementation.AUTO, "no-such-argon2-library", 1, null);
        assertThat(PasswordHasher.select(auto).implementation()).isEqualTo("java");
        PasswordHashingSettings forced = new PasswordHashingSettings(PasswordHashingSettings.Implementation.NATIVE, "no-such-argon2-library", 1, null);
        assertThatThrownBy(() -> PasswordHasher.select(forced)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("libargon2-1");
        PasswordHashingSettings java = new PasswordHashingSettings(PasswordHashingSettings.Implementation.JAVA, null, 1, null);
        assertThat(PasswordHasher.select(java).implementation()).isEqualTo("java");
        assertThat(PasswordHasher.select(new PasswordHashingSettings(null, null, 1, null)).implementation()).isEqualTo("native");
    }

    @Test
    void theEncodedFormRoundTripsExactly() {
        String encoded = "$argon2id$v=19$m=19456,t=2,p=1$" + Base64.getEncoder().withoutPadding().encodeToString(new byte[16])
                + "$" + Base64.getEncoder().withoutPadding().encodeToString(new byte[32]);
        assertThat(Argon2Hash.parse(encoded).encode()).isEqualTo(encoded);
        Argon2Hash noVersion = Argon2Hash.parse(encoded.replace("$v=19", ""));
        assertThat(noVersion.version()).isEqualTo(0x13);
    }

    private static String pepper(TenantKeys keys, String password) {
        return Base64.getEncoder().encodeToString(keys.keyedHash("password-pepper", password.getBytes(StandardCharsets.UTF_8)));
    }
}
