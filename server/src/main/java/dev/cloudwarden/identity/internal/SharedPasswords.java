package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.identity.Passwords;
import org.springframework.stereotype.Component;

/** {@link Passwords}: the policy and the hasher tenant users' passwords go through. */
@Component
class SharedPasswords implements Passwords {

    private final PasswordPolicy policy;
    private final PasswordHasher hasher;

    SharedPasswords(PasswordPolicy policy, PasswordHasher hasher) {
        this.policy = policy;
        this.hasher = hasher;
    }

    @Override
    public void checkPolicy(Secret password) {
        policy.check(password);
    }

    @Override
    public String hash(TenantKeys pepper, Secret password) {
        return hasher.hash(pepper, password);
    }

    @Override
    public boolean matches(TenantKeys pepper, Secret password, String stored) {
        return hasher.matches(pepper, password, stored);
    }

    @Override
    public void matchDummy(Secret password) {
        hasher.matchDummy(password);
    }
}
