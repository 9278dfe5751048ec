package dev.cloudwarden.mfa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cloudwarden.crypto.CryptoException;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.KeyMaintenance;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** TOTP over the real API and database: enrolment, sign-in, replay, skew, recovery codes, disabling, storage. */
class MfaApiTest extends IntegrationTest {

    private static final String INVALID_CREDENTIALS = "{\"error\":\"invalid_credentials\",\"message\":\"Invalid email or password.\"}";

    @Autowired
    FieldCrypto crypto;
    @Autowired
    KeyMaintenance maintenance;

    record Enrolled(Api.Tenant tenant, String secret, List<String> recoveryCodes, long confirmedAtStep) {
    }

    @Test
    void enrolConfirmThenSignInNeedsAFreshCodeOnce() {
        Api.Tenant t = api.signUpAndSignIn("MFA flow");
        assertThat(api.get("/api/v1/me", t.token()).json().get("mfaEnabled").asBoolean()).isFalse();

        Api.Response started = api.post("/api/v1/mfa/totp", "", t.token());
        assertThat(started.status()).isEqualTo(201);
        assertThat(started.json().propertyNames()).containsExactlyInAnyOrder("secret", "otpauthUri");
        String secret = started.json().get("secret").asString();
        assertThat(secret).matches("[A-Z2-7]{32}"); // 160 bits
        URI uri = URI.create(started.json().get("otpauthUri").asString());
        assertThat(uri.getScheme()).isEqualTo("otpauth");
        assertThat(uri.getHost()).isEqualTo("totp");
        assertThat(uri.getPath()).isEqualTo("/Cloudwarden:" + t.email());
        assertThat(query(uri)).containsExactlyInAnyOrderEntriesOf(Map.of("secret", secret, "issuer", "Cloudwarden",
                "algorithm", "SHA1", "digits", "6", "period", "30"));

        // pending until confirmed: nothing changes for signing in
        assertThat(api.get("/api/v1/me", t.token()).json().get("mfaEnabled").asBoolean()).isFalse();
        assertThat(signIn(t.email(), Api.PASSWORD, null).status()).isEqualTo(201);

        long step = clock.freezeTotpStep();
        Api.Response confirmed = confirm(t.token(), TestTotp.code(secret, step));
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.json().propertyNames()).containsExactly("recoveryCodes");
        List<String> recovery = strings(confirmed.json().get("recoveryCodes"));
        assertThat(recovery).hasSize(10).doesNotHaveDuplicates()
                .allSatisfy(c -> assertThat(c).matches("[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}"));
        assertThat(api.get("/api/v1/me", t.token()).json().get("mfaEnabled").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/users/" + t.userId(), t.token()).json().get("mfaEnabled").asBoolean()).isTrue();

        Api.Response noCode = signIn(t.email(), Api.PASSWORD, null);
        assertThat(noCode.status()).isEqualTo(401);
        assertThat(noCode.json().get("error").asString()).isEqualTo("mfa_required");
        assertThat(noCode.json().has("token")).isFalse();
        assertThat(signIn(t.email(), Api.PASSWORD, "").json().get("error").asString()).isEqualTo("mfa_required");
        assertThat(signIn(t.email(), Api.PASSWORD, "   ").json().get("error").asString()).isEqualTo("mfa_required");

        Api.Response confirmCodeAgain = signIn(t.email(), Api.PASSWORD, TestTotp.code(secret, step));
        assertThat(confirmCodeAgain.status()).as("the code used to confirm is used up").isEqualTo(401);
        assertThat(confirmCodeAgain.json().get("error").asString()).isEqualTo("invalid_otp");

        String next = TestTotp.code(secret, step + 1);
        Api.Response withCode = signIn(t.email(), Api.PASSWORD, next);
        assertThat(withCode.status()).isEqualTo(201);
        assertThat(api.get("/api/v1/me", withCode.json().get("token").asString()).status()).isEqualTo(200);
        Api.Response replay = signIn(t.email(), Api.PASSWORD, next);
        assertThat(replay.status()).as("replay").isEqualTo(401);
        assertThat(replay.json().get("error").asString()).isEqualTo("invalid_otp");
        assertThat(replay.body()).doesNotContain(next);

        // wrong email or password: the very same body as for an account without MFA, code or not
        assertThat(signIn(t.email(), "wrong-password-123", null).body()).isEqualTo(INVALID_CREDENTIALS);
        assertThat(signIn(t.email(), "wrong-password-123", TestTotp.code(secret, step + 1)).body()).isEqualTo(INVALID_CREDENTIALS);
        assertThat(signIn(t.email(), "wrong-password-123", recovery.get(5)).body()).isEqualTo(INVALID_CREDENTIALS);
        assertThat(signIn(Api.uniqueEmail("nobody"), Api.PASSWORD, "123456").body()).isEqualTo(INVALID_CREDENTIALS);
        Api.Tenant plain = api.signUpAndSignIn("No MFA");
        assertThat(signIn(plain.email(), "wrong-password-123", null).body()).isEqualTo(INVALID_CREDENTIALS);
        assertThat(signIn(plain.email(), Api.PASSWORD, "123456").status()).as("a code is ignored without MFA").isEqualTo(201);
    }

    @Test
    void aRecoveryCodeSignsInOnceInAnyCaseOrGrouping() {
        Enrolled e = enrolled("Recovery");
        String code = e.recoveryCodes().get(0);
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, code).status()).isEqualTo(201);
        Api.Response again = signIn(e.tenant().email(), Api.PASSWORD, code);
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.json().get("error").asString()).isEqualTo("invalid_otp");

        String typed = " " + e.recoveryCodes().get(1).replace("-", "").toUpperCase() + " ";
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, typed).status()).isEqualTo(201);
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, e.recoveryCodes().get(1)).status()).isEqualTo(401);

        Enrolled other = enrolled("Other user's codes");
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, other.recoveryCodes().get(0)).status())
                .as("another user's recovery code").isEqualTo(401);
        assertThat(signIn(other.tenant().email(), Api.PASSWORD, other.recoveryCodes().get(0)).status()).isEqualTo(201);
    }

    @Test
    void oneStepOfClockSkewIsAcceptedTwoStepsAreNot() throws Exception {
        Enrolled e = enrolled("Skew");
        // as if the last code had been used long ago, so only the time window decides below
        admin("update user_mfa set last_used_step = null where user_id = ?", e.tenant().userId());
        long step = clock.freezeTotpStep();
        String email = e.tenant().email();
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step - 2)).status()).as("two steps old").isEqualTo(401);
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step + 2)).status()).as("two steps ahead").isEqualTo(401);
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step - 1)).status()).as("previous step").isEqualTo(201);
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step - 1)).status()).as("its replay").isEqualTo(401);
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step)).status()).as("current step").isEqualTo(201);
        assertThat(signIn(email, Api.PASSWORD, TestTotp.code(e.secret(), step - 1)).status())
                .as("a step before the last used one").isEqualTo(401);
        assertThat(lastUsedStep(e.tenant().userId())).isEqualTo(step);
    }

    /** Codes are checked against the server's injected clock (which the tests move), not the system clock. */
    @Test
    void codesAreCheckedAgainstTheServersClock() {
        Enrolled e = enrolled("Clock");
        long wallStep = TestTotp.step(Instant.now());
        long later = TestTotp.step(clock.advance(Duration.ofMinutes(10)));
        assertThat(later - wallStep).isGreaterThanOrEqualTo(19);
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), wallStep)).status())
                .as("the code of the wall clock's step is ten minutes old for the server").isEqualTo(401);
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), later)).status()).isEqualTo(201);
    }

    @Test
    void theSameCodeSentConcurrentlySignsInOnlyOnce() throws Exception {
        Enrolled e = enrolled("Race");
        String code = TestTotp.code(e.secret(), clock.freezeTotpStep() + 1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> racers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                racers.add(() -> signIn(e.tenant().email(), Api.PASSWORD, code).status());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(racers, 60, TimeUnit.SECONDS)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsExactlyInAnyOrder(201, 401, 401, 401);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Enrolments of one user queue on the user's row lock: none fails, one secret is left. */
    @Test
    void concurrentEnrolmentsOfOneUserQueueAndLeaveOneSecret() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Enrol race");
        List<Api.Response> started = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Callable<Api.Response>> racers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    racers.add(() -> {
                        go.await();
                        return api.post("/api/v1/mfa/totp", "", t.token());
                    });
                }
                List<Future<Api.Response>> futures = racers.stream().map(pool::submit).toList();
                go.countDown();
                started.clear();
                for (Future<Api.Response> f : futures) {
                    started.add(f.get(60, TimeUnit.SECONDS));
                }
                assertThat(started).extracting(Api.Response::status).as("round %d", round).containsOnly(201);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("select count(*) from user_mfa where user_id = ?", t.userId())).isEqualTo(1);
        long step = clock.freezeTotpStep();
        List<Integer> confirmations = new ArrayList<>();
        for (Api.Response r : started) {
            // the wrong-code back-off (tested on its own) must not decide which candidate gets tried
            try (java.sql.Connection c = dev.cloudwarden.support.TestDatabase.asAdmin(); java.sql.PreparedStatement ps =
                    c.prepareStatement("update user_mfa set failed_attempts = 0, locked_until = null where user_id = ?")) {
                ps.setObject(1, t.userId());
                ps.executeUpdate();
            }
            confirmations.add(confirm(t.token(), TestTotp.code(r.json().get("secret").asString(), step)).status());
        }
        assertThat(confirmations).as("only the secret stored last confirms").containsOnlyOnce(200);
    }

    @Test
    void disablingTakesAFreshValidCode() throws Exception {
        Enrolled e = enrolled("Disable");
        String token = e.tenant().token();
        long step = e.confirmedAtStep();
        assertThat(disable(token, "{}").status()).isEqualTo(400);
        assertThat(disable(token, "{}").json().get("field").asString()).isEqualTo("code");
        assertThat(disable(token, code(TestTotp.code(e.secret(), step))).status()).as("the confirmation's code, again").isEqualTo(400);
        assertThat(disable(token, code(TestTotp.wrongCode(e.secret(), step))).status()).isEqualTo(400);
        assertThat(disable(token, code("abc")).status()).isEqualTo(400);
        assertThat(api.send(api.request("/api/v1/mfa/totp", token).DELETE().build()).status()).as("no body").isEqualTo(415);
        assertThat(api.get("/api/v1/me", token).json().get("mfaEnabled").asBoolean()).isTrue();

        long next = clock.nextTotpStep(); // the confirmation's step is used up: 30 s later
        assertThat(disable(token, code(TestTotp.code(e.secret(), next))).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", token).json().get("mfaEnabled").asBoolean()).isFalse();
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, null).status()).isEqualTo(201);
        assertThat(count("select count(*) from user_mfa where user_id = ?", e.tenant().userId())).isZero();
        assertThat(count("select count(*) from mfa_recovery_codes where user_id = ?", e.tenant().userId())).isZero();
        Api.Response again = disable(token, code(TestTotp.code(e.secret(), next)));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asString()).isEqualTo("mfa_not_enabled");

        // enrol again: a new secret; this time turn it off with a recovery code
        Api.Response restarted = api.post("/api/v1/mfa/totp", "", token);
        assertThat(restarted.status()).isEqualTo(201);
        String secret = restarted.json().get("secret").asString();
        assertThat(secret).isNotEqualTo(e.secret());
        List<String> recovery = strings(confirm(token, TestTotp.code(secret, clock.freezeTotpStep())).json().get("recoveryCodes"));
        assertThat(recovery).doesNotContainAnyElementsOf(e.recoveryCodes());
        assertThat(disable(token, code(e.recoveryCodes().get(0))).status()).as("a code of the old enrolment").isEqualTo(400);
        assertThat(disable(token, code(recovery.get(3))).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", token).json().get("mfaEnabled").asBoolean()).isFalse();
    }

    @Test
    void badInputsAreRefusedClearlyAndEchoNothing() {
        Api.Tenant t = api.signUpAndSignIn("MFA bad input");
        Api.Response notEnrolling = confirm(t.token(), "123456");
        assertThat(notEnrolling.status()).isEqualTo(409);
        assertThat(notEnrolling.json().get("error").asString()).isEqualTo("mfa_not_enrolling");

        // enrolling twice: the second secret replaces the first
        String first = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response second = api.post("/api/v1/mfa/totp", "", t.token());
        assertThat(second.status()).isEqualTo(201);
        String secret = second.json().get("secret").asString();
        assertThat(secret).isNotEqualTo(first);
        long step = clock.freezeTotpStep();

        String kilobyte = "9".repeat(1024);
        for (String bad : new String[] {"abcdef", "1234567", "12345", "12 3456", "１２３４５６", "123456\u0000", kilobyte, "abcd-efgh-jkmn"}) {
            Api.Response r = confirm(t.token(), bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isEqualTo("validation_failed");
            assertThat(r.json().get("field").asString()).isEqualTo("code");
            assertThat(r.body()).doesNotContain(bad.length() > 3 ? bad.substring(0, 4) : bad);
        }
        for (String body : new String[] {"{}", "{\"code\":\"\"}", "{\"code\":null}"}) {
            Api.Response r = api.post("/api/v1/mfa/totp/confirm", body, t.token());
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().get("message").asString()).isEqualTo("code: is required");
        }
        assertThat(api.post("/api/v1/mfa/totp/confirm", "{\"code\":\"123456\",\"secret\":\"" + secret + "\"}", t.token())
                .json().get("error").asString()).isEqualTo("unknown_field");
        assertThat(api.post("/api/v1/mfa/totp/confirm", "{\"code\":", t.token()).json().get("error").asString()).isEqualTo("malformed_json");
        assertThat(api.post("/api/v1/mfa/totp/confirm", "", t.token()).status()).isEqualTo(400);
        assertThat(api.post("/api/v1/mfa/totp/confirm", Map.of("code", "123456"), null).status()).as("not signed in").isEqualTo(401);
        assertThat(api.post("/api/v1/mfa/totp", "", null).status()).isEqualTo(401);

        Api.Response oldSecret = confirm(t.token(), TestTotp.code(first, step));
        assertThat(oldSecret.status()).as("a code of the replaced secret").isEqualTo(400);
        assertThat(api.get("/api/v1/me", t.token()).json().get("mfaEnabled").asBoolean()).isFalse();
        Api.Response ok = confirm(t.token(), TestTotp.code(secret, step));
        assertThat(ok.status()).isEqualTo(200);

        Api.Response enrolAgain = api.post("/api/v1/mfa/totp", "", t.token());
        assertThat(enrolAgain.status()).isEqualTo(409);
        assertThat(enrolAgain.json().get("error").asString()).isEqualTo("mfa_already_enabled");
        assertThat(enrolAgain.body()).doesNotContain(secret);
        Api.Response confirmAgain = confirm(t.token(), TestTotp.code(secret, step + 1));
        assertThat(confirmAgain.status()).isEqualTo(409);
        assertThat(confirmAgain.json().get("error").asString()).isEqualTo("mfa_already_enabled");

        // malformed codes at sign-in are wrong codes (after the password), never errors that echo them
        for (String bad : new String[] {"abcdef", "1234567", kilobyte}) {
            Api.Response r = signIn(t.email(), Api.PASSWORD, bad);
            assertThat(r.status()).as(bad).isEqualTo(401);
            assertThat(r.json().get("error").asString()).isEqualTo("invalid_otp");
            assertThat(r.body()).doesNotContain(bad.substring(0, 4));
            assertThat(signIn(t.email(), "wrong-password-123", bad).body()).isEqualTo(INVALID_CREDENTIALS);
        }
        Api.Response numeric = api.post("/api/v1/sessions", "{\"email\":\"" + t.email() + "\",\"password\":\"" + Api.PASSWORD
                + "\",\"otp\":{\"code\":1}}", null);
        assertThat(numeric.status()).isEqualTo(400);
        assertThat(signIn(t.email(), Api.PASSWORD, TestTotp.code(secret, step + 1)).status()).isEqualTo(201);
    }

    @Test
    void repeatedWrongCodesLockCodeChecksForAWhile() throws Exception {
        Enrolled e = enrolled("Lockout");
        long step = clock.freezeTotpStep();
        for (int i = 0; i < MfaService.FREE_FAILURES; i++) {
            assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.wrongCode(e.secret(), step)).status()).isEqualTo(401);
        }
        Api.Response locked = signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), step + 1));
        assertThat(locked.status()).as("even the right code").isEqualTo(429);
        assertThat(locked.json().get("error").asString()).isEqualTo("too_many_attempts");
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, e.recoveryCodes().get(0)).status()).isEqualTo(429);
        assertThat(disable(e.tenant().token(), code(TestTotp.code(e.secret(), step + 1))).status()).isEqualTo(429);
        assertThat(signIn(e.tenant().email(), "wrong-password-123", TestTotp.code(e.secret(), step + 1)).body())
                .as("a wrong password still looks like any other").isEqualTo(INVALID_CREDENTIALS);
        assertThat(lockedUntil(e.tenant().userId())).isCloseTo(clock.instant().plus(MfaService.FIRST_BACKOFF), within(1, ChronoUnit.MILLIS));
        clock.advance(MfaService.FIRST_BACKOFF.minusSeconds(1));
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), TestTotp.step(clock.instant()))).status())
                .as("a second before the back-off ends").isEqualTo(429);

        // time passes (the back-off is over): the right code works and the count starts over
        long later = TestTotp.step(clock.advance(Duration.ofSeconds(2)));
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), later)).status()).isEqualTo(201);
        assertThat(count("select failed_attempts from user_mfa where user_id = ?", e.tenant().userId())).isZero();
        assertThat(lockedUntil(e.tenant().userId())).isNull();
    }

    @Test
    void theSecretIsStoredEncryptedAndBoundToItsRowRecoveryCodesOnlyAsKeyedHashes() throws Exception {
        Enrolled e = enrolled("Storage");
        Enrolled other = enrolled("Storage other");
        byte[] raw = TestTotp.base32(e.secret());
        byte[] ciphertext = secretCiphertext(e.tenant().userId());
        assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain(e.secret())
                .doesNotContain(new String(raw, StandardCharsets.ISO_8859_1));
        assertThat(HexFormat.of().formatHex(ciphertext)).doesNotContain(HexFormat.of().formatHex(raw));
        assertThat(ciphertext.length).as("Tink prefix + IV + 20 bytes + tag").isEqualTo(5 + 12 + 20 + 16);
        FieldCrypto.Field field = new FieldCrypto.Field("user_mfa", "secret_ciphertext");
        assertThat(crypto.decrypt(e.tenant().tenantId(), field, e.tenant().userId(), ciphertext)).as("it is the secret").isEqualTo(raw);
        assertThatThrownBy(() -> crypto.decrypt(e.tenant().tenantId(), field, other.tenant().userId(), ciphertext))
                .as("bound to its row").isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> crypto.decrypt(other.tenant().tenantId(), field, e.tenant().userId(), ciphertext))
                .as("bound to its tenant").isInstanceOf(CryptoException.class);

        // copied into another user's row it does not decrypt, so it signs nobody in (fail closed, an error for operators)
        admin2("update user_mfa set secret_ciphertext = ? where user_id = ?", ciphertext, other.tenant().userId());
        Api.Response copied = signIn(other.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), clock.freezeTotpStep() + 1));
        assertThat(copied.status()).isEqualTo(500);
        assertThat(copied.json().get("error").asString()).isEqualTo("internal_error");
        assertThat(copied.body()).doesNotContain("user_mfa").doesNotContain(e.secret());

        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select code_hash, used_at from mfa_recovery_codes where user_id = ?")) {
            ps.setObject(1, e.tenant().userId());
            List<String> hashes = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    hashes.add(HexFormat.of().formatHex(rs.getBytes(1)));
                    assertThat(rs.getTimestamp(2)).isNull();
                }
            }
            assertThat(hashes).hasSize(10).doesNotHaveDuplicates().allSatisfy(h -> assertThat(h).hasSize(64));
            for (String code : e.recoveryCodes()) {
                String hex = HexFormat.of().formatHex(code.replace("-", "").getBytes(StandardCharsets.US_ASCII));
                assertThat(hashes).noneSatisfy(h -> assertThat(h).contains(hex));
            }
        }
    }

    @Test
    void rotatingTheTenantsDataKeyReencryptsTheSecretAndCodesKeepWorking() throws Exception {
        Enrolled e = enrolled("TOTP rotation");
        byte[] before = secretCiphertext(e.tenant().userId());
        KeyMaintenance.Progress done = maintenance.rotateDataKey(e.tenant().tenantId()).get(30, TimeUnit.SECONDS);
        assertThat(done.failure()).isNull();
        assertThat(done.reencrypted()).as("organisation name, TOTP secret and the address of the API session").isEqualTo(3);
        byte[] after = secretCiphertext(e.tenant().userId());
        assertThat(FieldCrypto.keyId(after)).isNotEqualTo(FieldCrypto.keyId(before));
        maintenance.retireOldDataKeys(e.tenant().tenantId());
        long step = clock.freezeTotpStep();
        assertThat(signIn(e.tenant().email(), Api.PASSWORD, TestTotp.code(e.secret(), step + 1)).status()).isEqualTo(201);
    }

    // --- helpers

    private Enrolled enrolled(String organization) {
        Api.Tenant t = api.signUpAndSignIn(organization);
        Api.Response started = api.post("/api/v1/mfa/totp", "", t.token());
        assertThat(started.status()).isEqualTo(201);
        String secret = started.json().get("secret").asString();
        long step = clock.freezeTotpStep();
        Api.Response confirmed = confirm(t.token(), TestTotp.code(secret, step));
        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        return new Enrolled(t, secret, strings(confirmed.json().get("recoveryCodes")), step);
    }

    private Api.Response signIn(String email, String password, String otp) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("email", email);
        body.put("password", password);
        if (otp != null) {
            body.put("otp", otp);
        }
        return api.post("/api/v1/sessions", body, null);
    }

    private Api.Response confirm(String token, String code) {
        return api.post("/api/v1/mfa/totp/confirm", Map.of("code", code), token);
    }

    private Api.Response disable(String token, String json) {
        return api.send(api.request("/api/v1/mfa/totp", token).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static String code(String code) {
        return Api.JSON.writeValueAsString(Map.of("code", code));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return params;
    }

    private static void admin(String sql, UUID id) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static void admin2(String sql, byte[] value, UUID id) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBytes(1, value);
            ps.setObject(2, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static long count(String sql, UUID id) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    private static byte[] secretCiphertext(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select secret_ciphertext from user_mfa where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    private static Long lastUsedStep(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select last_used_step from user_mfa where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return (Long) rs.getObject(1);
            }
        }
    }

    private static Instant lockedUntil(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select locked_until from user_mfa where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                Timestamp ts = rs.getTimestamp(1);
                return ts == null ? null : ts.toInstant();
            }
        }
    }
}
