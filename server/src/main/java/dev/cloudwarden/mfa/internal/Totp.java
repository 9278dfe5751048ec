package dev.cloudwarden.mfa.internal;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 TOTP with the parameters every authenticator app understands: HMAC-SHA1, 6 digits,
 * 30-second steps, 160-bit secrets. A code is accepted for the current step and one step either
 * side (clock skew), and only for a step later than the last one accepted (no replay).
 */
final class Totp {

    static final Duration STEP = Duration.ofSeconds(30);
    static final int DIGITS = 6;
    static final int SECRET_BYTES = 20;
    static final int TOLERANCE_STEPS = 1;
    static final String ALGORITHM = "SHA1";

    private static final Pattern CODE = Pattern.compile("[0-9]{" + DIGITS + "}");
    private static final TimeBasedOneTimePasswordGenerator GENERATOR = new TimeBasedOneTimePasswordGenerator(
            STEP, DIGITS, TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1);

    private Totp() {
    }

    /** The RFC 6238 time step of an instant: whole 30-second periods since the Unix epoch. */
    static long step(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), STEP.toSeconds());
    }

    static boolean isWellFormed(String code) {
        return code != null && CODE.matcher(code).matches();
    }

    /** The code of one time step (always ASCII digits, whatever the default locale). */
    static String code(byte[] secret, long step) {
        try {
            return GENERATOR.generateOneTimePasswordString(new SecretKeySpec(secret, "HmacSHA1"),
                    Instant.ofEpochSecond(step * STEP.toSeconds()), Locale.ROOT);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("unusable TOTP secret", e);
        }
    }

    /**
     * The step {@code code} is accepted for at {@code now}: the latest step within the tolerance
     * whose code matches and that is later than {@code lastUsedStep} (null when none was used yet).
     * Every candidate is computed and compared in constant time, whatever matches.
     */
    static OptionalLong acceptedStep(byte[] secret, String code, Instant now, Long lastUsedStep) {
        if (!isWellFormed(code)) {
            return OptionalLong.empty();
        }
        byte[] given = code.getBytes(StandardCharsets.US_ASCII);
        long current = step(now);
        long accepted = Long.MIN_VALUE;
        for (long candidate = current - TOLERANCE_STEPS; candidate <= current + TOLERANCE_STEPS; candidate++) {
            boolean matches = MessageDigest.isEqual(code(secret, candidate).getBytes(StandardCharsets.US_ASCII), given);
            boolean fresh = lastUsedStep == null || candidate > lastUsedStep;
            if (matches && fresh) {
                accepted = candidate;
            }
        }
        return accepted == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(accepted);
    }
}
