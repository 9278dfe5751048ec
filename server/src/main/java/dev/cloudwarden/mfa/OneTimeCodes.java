package dev.cloudwarden.mfa;

import dev.cloudwarden.common.Secret;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * TOTP (RFC 6238) for accounts the mfa module does not keep (platform operators): the same secret size,
 * code format, clock tolerance and single use of a time step as tenant users' second factor.
 */
public interface OneTimeCodes {

    /** A new secret on offer: Base32 for typing, the otpauth URI, and that URI as a QR code (PNG data URI). */
    record Offer(Secret secret, String otpauthUri, String qrCode) {
        @Override
        public String toString() {
            return "Offer[secret=REDACTED]";
        }
    }

    Offer offer(String accountLabel);

    /**
     * The time step a code is accepted for at {@code now}, if it matches within the tolerance and is
     * later than {@code lastUsedStep} (null: none used yet); store it so the code cannot be used again.
     */
    OptionalLong acceptedStep(Secret base32Secret, String code, Instant now, Long lastUsedStep);
}
