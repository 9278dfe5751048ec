package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeys;

/**
 * Passwords for accounts identity does not keep (platform operators): the same policy (length, the
 * bundled breached-password list) and the same Argon2id hashing, peppered with the keyed hash of the
 * keys given, as tenant users' passwords.
 */
public interface Passwords {

    /** Refuses a weak new password with a 400 naming the field {@code password}. */
    void checkPolicy(Secret password);

    String hash(TenantKeys pepper, Secret password);

    boolean matches(TenantKeys pepper, Secret password, String stored);

    /** The same work as {@link #matches}, for an account that does not exist. */
    void matchDummy(Secret password);
}
