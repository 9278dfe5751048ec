package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.mfa.OneTimeCodes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/** {@link OneTimeCodes} on the TOTP parts tenant users' MFA uses. */
@Component
class TotpCodes implements OneTimeCodes {

    private final SecureRandom random = new SecureRandom();

    @Override
    public Offer offer(String accountLabel) {
        byte[] secret = new byte[Totp.SECRET_BYTES];
        random.nextBytes(secret);
        try {
            String encoded = Base32.encode(secret);
            String uri = MfaService.otpauthUri(accountLabel, encoded);
            return new Offer(Secret.of(encoded), uri, QrCodes.pngDataUri(uri));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public OptionalLong acceptedStep(Secret base32Secret, String code, Instant now, Long lastUsedStep) {
        byte[] secret = Base32.decode(base32Secret.reveal());
        try {
            return Totp.acceptedStep(secret, code, now, lastUsedStep);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
