package dev.cloudwarden.mfa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.support.TestTotp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The TOTP building blocks against the RFCs' own test vectors, and the acceptance window. */
class TotpTest {

    /** RFC 6238, appendix B (SHA1), last six digits. */
    @Test
    void rfc6238TestVectors() {
        byte[] secret = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        long[][] vectors = {{59, 287082}, {1111111109, 81804}, {1111111111, 50471}, {1234567890, 5924}, {2000000000, 279037},
                {20000000000L, 353130}};
        for (long[] v : vectors) {
            String expected = String.format("%06d", v[1]);
            assertThat(Totp.code(secret, Totp.step(Instant.ofEpochSecond(v[0])))).as("T=%d", v[0]).isEqualTo(expected);
            assertThat(TestTotp.code(Base32.encode(secret), v[0] / 30)).as("the tests' own TOTP, T=%d", v[0]).isEqualTo(expected);
        }
    }

    /** RFC 4648, section 10, without padding. */
    @Test
    void rfc4648Base32() {
        String[][] vectors = {{"", ""}, {"f", "MY"}, {"fo", "MZXQ"}, {"foo", "MZXW6"}, {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"},
                {"foobar", "MZXW6YTBOI"}};
        for (String[] v : vectors) {
            assertThat(Base32.encode(v[0].getBytes(StandardCharsets.US_ASCII))).isEqualTo(v[1]);
            assertThat(new String(Base32.decode(v[1].toLowerCase()), StandardCharsets.US_ASCII)).isEqualTo(v[0]);
        }
        assertThatThrownBy(() -> Base32.decode("MZ1W")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneStepOfSkewEitherWayIsAcceptedTwoAreNot() {
        byte[] secret = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        Instant now = Instant.ofEpochSecond(1_700_000_015);
        long step = Totp.step(now);
        for (long offset = -1; offset <= 1; offset++) {
            assertThat(Totp.acceptedStep(secret, Totp.code(secret, step + offset), now, null)).hasValue(step + offset);
        }
        for (long offset : new long[] {-3, -2, 2, 3}) {
            assertThat(Totp.acceptedStep(secret, Totp.code(secret, step + offset), now, null)).as("offset %d", offset).isEmpty();
        }
        // at the edges of the step, too: 1_700_000_010 is the first second of a step
        Instant first = Instant.ofEpochSecond(1_700_000_010);
        assertThat(Totp.step(first)).isEqualTo(step);
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step - 1), first.plusSeconds(29), null)).hasValue(step - 1);
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step - 1), first.plusSeconds(30), null)).isEmpty();
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step + 1), first.minusSeconds(1), null)).isEmpty();
    }

    @Test
    void aStepAtOrBeforeTheLastUsedOneIsNeverAcceptedAgain() {
        byte[] secret = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        Instant now = Instant.ofEpochSecond(1_700_000_015);
        long step = Totp.step(now);
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step), now, step)).as("replay").isEmpty();
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step - 1), now, step)).as("older than the last used").isEmpty();
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step + 1), now, step)).hasValue(step + 1);
        assertThat(Totp.acceptedStep(secret, Totp.code(secret, step), now, step - 1)).hasValue(step);
    }

    @Test
    void malformedCodesAreNeverCompared() {
        byte[] secret = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        Instant now = Instant.ofEpochSecond(1_700_000_015);
        String good = Totp.code(secret, Totp.step(now));
        for (String bad : new String[] {null, "", "abcdef", good + "0", good.substring(1), " " + good, good + "\n", "１２３４５６",
                "x".repeat(1024)}) {
            assertThat(Totp.acceptedStep(secret, bad, now, null)).as(String.valueOf(bad)).isEmpty();
        }
    }

    @Test
    void recoveryCodesAreRandomWellFormedAndCanonicalised() {
        List<String> codes = RecoveryCodes.generate();
        assertThat(codes).hasSize(10).doesNotHaveDuplicates();
        Set<String> all = new HashSet<>(codes);
        for (int i = 0; i < 50; i++) {
            all.addAll(RecoveryCodes.generate());
        }
        assertThat(all).as("no repeats across 510 codes").hasSize(510);
        for (String code : codes) {
            assertThat(code).matches("[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}");
            String canonical = code.replace("-", "");
            assertThat(RecoveryCodes.canonical(code)).isEqualTo(canonical);
            assertThat(RecoveryCodes.canonical(" " + code.toUpperCase() + " ")).isEqualTo(canonical);
            assertThat(RecoveryCodes.canonical(canonical)).isEqualTo(canonical);
        }
        for (String bad : new String[] {null, "", "abcd-efgh", "abcd-efgh-jkmn-p", "abcd-efgh-jkm0", "abcd-efgh-jkml", "x".repeat(1024)}) {
            assertThat(RecoveryCodes.canonical(bad)).as(String.valueOf(bad)).isNull();
        }
    }

    @Test
    void backOffDoublesFromThirtySecondsToAtMostFifteenMinutes() {
        assertThat(MfaService.backoff(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(MfaService.backoff(6)).isEqualTo(Duration.ofSeconds(60));
        assertThat(MfaService.backoff(9)).isEqualTo(Duration.ofMinutes(8));
        assertThat(MfaService.backoff(10)).isEqualTo(Duration.ofMinutes(15));
        assertThat(MfaService.backoff(1000)).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void theKeyUriNamesIssuerAccountAndParameters() {
        assertThat(MfaService.otpauthUri("ann+ops@example.com", "JBSWY3DPEHPK3PXP")).isEqualTo(
                "otpauth://totp/Cloudwarden%3Aann%2Bops%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Cloudwarden"
                        + "&algorithm=SHA1&digits=6&period=30");
    }
}
