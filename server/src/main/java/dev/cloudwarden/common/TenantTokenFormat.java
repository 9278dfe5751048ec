package dev.cloudwarden.common;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Bearer secrets of the form {@code <prefix>} + base64url(tenant id ‖ 32 random bytes). The tenant
 * part lets the server open that tenant's scope before the lookup, so the lookup itself runs under
 * row-level security and compares tenant-keyed hashes; a forged tenant part finds nothing.
 */
public final class TenantTokenFormat {

    private static final int RANDOM_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TenantTokenFormat() {
    }

    public static Secret mint(String prefix, UUID tenant) {
        byte[] secretPart = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(secretPart);
        ByteBuffer raw = ByteBuffer.allocate(16 + RANDOM_BYTES)
                .putLong(tenant.getMostSignificantBits()).putLong(tenant.getLeastSignificantBits()).put(secretPart);
        return Secret.of(prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw.array()));
    }

    /** The tenant a well-formed token claims; empty for anything malformed. */
    public static Optional<UUID> tenantOf(String prefix, Secret token) {
        String value = token.reveal();
        if (!value.startsWith(prefix) || value.length() > 100) {
            return Optional.empty();
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(value.substring(prefix.length()));
            if (raw.length != 16 + RANDOM_BYTES) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.wrap(raw);
            return Optional.of(new UUID(buffer.getLong(), buffer.getLong()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
