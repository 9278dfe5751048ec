package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import java.util.UUID;

/**
 * Turns a password into the input of the password hash for one tenant. The seam for the
 * per-tenant pepper (a MAC with the tenant's key before Argon2id); until tenant keys exist the
 * password passes through unchanged and {@link #version()} is 0, so hashes made now can be
 * recognised and upgraded at the next successful sign-in.
 */
public interface PasswordPepper {

    Secret apply(UUID tenant, Secret password);

    int version();

    PasswordPepper NONE = new PasswordPepper() {
        @Override
        public Secret apply(UUID tenant, Secret password) {
            return password;
        }

        @Override
        public int version() {
            return 0;
        }
    };
}
