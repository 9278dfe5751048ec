package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.EncryptedColumn;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.SecondFactor;
import dev.cloudwarden.tenancy.TenantContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * TOTP enrolment, confirmation, disabling and code checks (promise P12). The TOTP secret is stored
 * only encrypted with the tenant's data key, bound to its row; recovery codes only as tenant-keyed
 * hashes. Every check of a user's code runs under a row lock on the user's authenticator, so a
 * time step or recovery code is accepted once even when requests race. After
 * {@value #FREE_FAILURES} wrong codes in a row, codes are not checked at all for a back-off that
 * doubles from 30 seconds up to 15 minutes (RFC 4226, section 7.3). Enrolling, disabling, a used
 * recovery code, a new set of recovery codes and a change of the tenant's policy are recorded in the activity history, in the
 * transaction that makes the change.
 */
@Service
public class MfaService implements SecondFactor {

    static final EncryptedColumn SECRET_COLUMN = new EncryptedColumn("user_mfa", "user_id", "secret_ciphertext");
    static final FieldCrypto.Field SECRET = SECRET_COLUMN.field();
    static final String ISSUER = "Cloudwarden";
    static final String RECOVERY_CODE_PURPOSE = "mfa-recovery-code";
    static final int FREE_FAILURES = 5;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(30);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(15);

    private static final int MAX_CODE_LENGTH = 64;
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private final MfaRepository repository;
    private final FieldCrypto crypto;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ActivityLog activity;
    private final SecureRandom random = new SecureRandom();

    MfaService(MfaRepository repository, FieldCrypto crypto, TenantContext tenants, TransactionTemplate tx, Clock clock,
               ActivityLog activity) {
        this.repository = repository;
        this.activity = activity;
        this.crypto = crypto;
        this.tenants = tenants;
        this.tx = tx;
        this.clock = clock; // the time step a code is checked against, and the back-off after wrong codes
    }

    /** A started enrolment: the only time the secret leaves the server. */
    public record Enrollment(Secret secret, String otpauthUri) {
    }

    /** A code as typed, sorted by its form; anything else is malformed and never compared. */
    private sealed interface Code {
        record TotpCode(String digits) implements Code {
        }

        record RecoveryCode(String canonical) implements Code {
        }

        static Code parse(Secret input) {
            if (input == null || input.length() > MAX_CODE_LENGTH) {
                return null;
            }
            String typed = input.reveal().strip();
            if (Totp.isWellFormed(typed)) {
                return new TotpCode(typed);
            }
            if (DIGITS.matcher(typed).matches()) {
                return null; // digits, but not six of them: never a recovery code
            }
            String recovery = RecoveryCodes.canonical(typed);
            return recovery == null ? null : new RecoveryCode(recovery);
        }
    }

    /** What a code check found, including the states the API answers with 409. */
    private enum Outcome { ACCEPTED, REJECTED, LOCKED, NOT_ENROLLING, ALREADY_ENABLED, NOT_ENABLED }

    /**
     * Starts (or restarts) enrolment with a new secret. Refused while MFA is enabled: replacing an
     * active authenticator takes disabling it first, which takes a valid code.
     */
    public Enrollment startEnrollment(CloudwardenPrincipal user) {
        byte[] secret = new byte[Totp.SECRET_BYTES];
        random.nextBytes(secret);
        try {
            Outcome outcome = tx.execute(s -> {
                if (repository.lockUser(user.userId()) || repository.lock(user.userId()).filter(a -> a.confirmed()).isPresent()) {
                    return Outcome.ALREADY_ENABLED;
                }
                repository.delete(user.userId()); // a pending enrolment is replaced, its secret forgotten
                repository.insertPending(user.userId(), tenants.require(),
                        crypto.encrypt(tenants.require(), SECRET, user.userId(), secret));
                return Outcome.ACCEPTED;
            });
            if (outcome == Outcome.ALREADY_ENABLED) {
                throw ApiProblem.conflict("mfa_already_enabled",
                        "Multi-factor authentication is already on. Disable it with a valid code before enrolling again.");
            }
            String encoded = Base32.encode(secret);
            return new Enrollment(Secret.of(encoded), otpauthUri(user.email(), encoded));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * The enrolment under way, if any, to show its key again after a wrong first code: a person who mistyped
     * needs it to try again (they hold it already, and this is their own signed-in session).
     */
    public Optional<Enrollment> pendingEnrollment(CloudwardenPrincipal user) {
        return tx.execute(s -> repository.lock(user.userId()).filter(a -> !a.confirmed()).map(a -> {
            byte[] secret = crypto.decrypt(tenants.require(), SECRET, user.userId(), a.secretCiphertext());
            try {
                String encoded = Base32.encode(secret);
                return new Enrollment(Secret.of(encoded), otpauthUri(user.email(), encoded));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }));
    }

    /**
     * Confirms the pending enrolment with a first code; MFA is on from then on. Returns the recovery
     * codes, which are stored only as keyed hashes and never shown again.
     */
    public List<Secret> confirm(CloudwardenPrincipal user, Secret code) {
        Code.TotpCode totp = appCode(code);
        List<String> recoveryCodes = RecoveryCodes.generate();
        Outcome outcome = tx.execute(s -> {
            repository.lockUser(user.userId());
            var authenticator = repository.lock(user.userId());
            if (authenticator.isEmpty()) {
                return Outcome.NOT_ENROLLING;
            }
            if (authenticator.get().confirmed()) {
                return Outcome.ALREADY_ENABLED;
            }
            Outcome checked = check(authenticator.get(), totp);
            if (checked == Outcome.ACCEPTED) {
                repository.confirm(user.userId());
                repository.setEnabled(user.userId(), true);
                repository.insertRecoveryCodes(user.userId(), tenants.require(),
                        recoveryCodes.stream().map(c -> recoveryHash(user.userId(), RecoveryCodes.canonical(c))).toList());
                activity.record(Action.MFA_ENROLLED, Target.user(user.userId()), Map.of("method", "totp"));
            }
            return checked;
        });
        switch (outcome) {
            case NOT_ENROLLING -> throw ApiProblem.conflict("mfa_not_enrolling",
                    "There is no enrolment to confirm: start one with POST /api/v1/mfa/totp.");
            case ALREADY_ENABLED -> throw ApiProblem.conflict("mfa_already_enabled", "Multi-factor authentication is already on.");
            default -> requireAccepted(outcome);
        }
        return recoveryCodes.stream().map(Secret::of).toList();
    }

    /** Turns MFA off, given a fresh TOTP code or an unused recovery code. */
    public void disable(CloudwardenPrincipal user, Secret code) {
        Code parsed = Code.parse(requireCode(code));
        if (parsed == null) {
            throw ApiProblem.invalid("code", "must be the 6-digit code from your authenticator app or a recovery code");
        }
        Outcome outcome = tx.execute(s -> {
            repository.lockUser(user.userId());
            var authenticator = repository.lock(user.userId()).filter(a -> a.confirmed());
            if (authenticator.isEmpty()) {
                return Outcome.NOT_ENABLED;
            }
            Outcome checked = check(authenticator.get(), parsed);
            if (checked == Outcome.ACCEPTED) {
                repository.delete(user.userId());
                repository.setEnabled(user.userId(), false);
                activity.record(Action.MFA_DISABLED, Target.user(user.userId()), Map.of("method", "totp"));
            }
            return checked;
        });
        if (outcome == Outcome.NOT_ENABLED) {
            throw ApiProblem.conflict("mfa_not_enabled", "Multi-factor authentication is not on.");
        }
        requireAccepted(outcome);
    }

    /**
     * Replaces the user's recovery codes with a new set, given a fresh TOTP code (a recovery code will
     * not do: whoever holds one only should not be able to mint ten more). The old codes, used or not,
     * stop working in the same transaction; a wrong code changes nothing but counts towards the
     * back-off, as everywhere else. Returns the new codes, stored only as keyed hashes and never shown again.
     */
    public List<Secret> regenerateRecoveryCodes(CloudwardenPrincipal user, Secret code) {
        Code.TotpCode totp = appCode(code);
        List<String> recoveryCodes = RecoveryCodes.generate();
        Outcome outcome = tx.execute(s -> {
            repository.lockUser(user.userId());
            var authenticator = repository.lock(user.userId()).filter(a -> a.confirmed());
            if (authenticator.isEmpty()) {
                return Outcome.NOT_ENABLED;
            }
            Outcome checked = check(authenticator.get(), totp);
            if (checked == Outcome.ACCEPTED) {
                long replaced = repository.unusedRecoveryCodes(user.userId());
                repository.deleteRecoveryCodes(user.userId());
                repository.insertRecoveryCodes(user.userId(), tenants.require(),
                        recoveryCodes.stream().map(c -> recoveryHash(user.userId(), RecoveryCodes.canonical(c))).toList());
                activity.record(Action.MFA_RECOVERY_CODES_REGENERATED, Target.user(user.userId()), Map.of("replaced", replaced));
            }
            return checked;
        });
        if (outcome == Outcome.NOT_ENABLED) {
            throw ApiProblem.conflict("mfa_not_enabled", "Multi-factor authentication is not on, so there are no recovery codes to replace.");
        }
        requireAccepted(outcome);
        return recoveryCodes.stream().map(Secret::of).toList();
    }

    /** Sign-in's second factor (tenant in scope): a fresh TOTP code or an unused recovery code of a confirmed authenticator. */
    @Override
    public Check verify(UUID userId, Secret code) {
        Code parsed = Code.parse(code);
        Outcome outcome = tx.execute(s -> {
            var authenticator = repository.lock(userId).filter(a -> a.confirmed());
            if (authenticator.isEmpty()) {
                return Outcome.REJECTED; // fail closed: flagged as enabled, but nothing to check against
            }
            return check(authenticator.get(), parsed);
        });
        return switch (outcome) {
            case ACCEPTED -> new Check(Result.ACCEPTED, parsed instanceof Code.RecoveryCode ? Method.RECOVERY_CODE : Method.TOTP);
            case LOCKED -> new Check(Result.LOCKED, null);
            default -> new Check(Result.REJECTED, null);
        };
    }

    /** Whether the user of the tenant in scope has MFA on, read now. */
    public boolean isEnabled(UUID userId) {
        return Boolean.TRUE.equals(tx.execute(s -> repository.isEnabled(userId)));
    }

    public long unusedRecoveryCodes(UUID userId) {
        return tx.execute(s -> repository.unusedRecoveryCodes(userId));
    }

    public boolean tenantRequiresMfa() {
        return Boolean.TRUE.equals(tx.execute(s -> repository.tenantRequiresMfa()));
    }

    /** Sets the tenant's policy; a change (and only a change) is recorded. */
    public void setTenantRequiresMfa(boolean required) {
        tx.executeWithoutResult(s -> {
            UUID tenant = tenants.require();
            if (repository.setTenantRequiresMfa(tenant, required)) {
                activity.record(Action.MFA_POLICY_CHANGED, Target.tenant(tenant), Map.of("required", required));
            }
        });
    }

    /** Checks one code against a locked authenticator and records the result; null (malformed) counts as wrong. */
    private Outcome check(MfaRepository.Authenticator authenticator, Code code) {
        Instant now = clock.instant();
        if (authenticator.lockedUntil() != null && now.isBefore(authenticator.lockedUntil())) {
            return Outcome.LOCKED;
        }
        boolean accepted = false;
        Long step = null;
        if (code instanceof Code.TotpCode totp) {
            byte[] secret = crypto.decrypt(tenants.require(), SECRET, authenticator.userId(), authenticator.secretCiphertext());
            try {
                OptionalLong matched = Totp.acceptedStep(secret, totp.digits(), now, authenticator.lastUsedStep());
                accepted = matched.isPresent();
                step = accepted ? matched.getAsLong() : null;
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        } else if (code instanceof Code.RecoveryCode recovery && authenticator.confirmed()) {
            accepted = repository.useRecoveryCode(authenticator.userId(), recoveryHash(authenticator.userId(), recovery.canonical()));
            if (accepted) {
                activity.record(Action.MFA_RECOVERY_CODE_USED, Target.user(authenticator.userId()),
                        Map.of("remaining", repository.unusedRecoveryCodes(authenticator.userId())));
            }
        }
        if (accepted) {
            repository.accepted(authenticator.userId(), step);
            return Outcome.ACCEPTED;
        }
        int failures = authenticator.failedAttempts() + 1;
        repository.failed(authenticator.userId(), failures, failures >= FREE_FAILURES ? now.plus(backoff(failures)) : null);
        return Outcome.REJECTED;
    }

    /** 30 s after the fifth wrong code in a row, doubling with each further one, at most 15 minutes. */
    static Duration backoff(int failures) {
        int doublings = Math.min(failures - FREE_FAILURES, 10);
        Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.max(doublings, 0));
        return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
    }

    private byte[] recoveryHash(UUID userId, String canonical) {
        return crypto.keyedHash(tenants.require(), RECOVERY_CODE_PURPOSE,
                (userId + ":" + canonical).getBytes(StandardCharsets.UTF_8));
    }

    /** A code from the authenticator app, not a recovery code: enrolment and new recovery codes take only that. */
    private static Code.TotpCode appCode(Secret code) {
        if (!(Code.parse(requireCode(code)) instanceof Code.TotpCode totp)) {
            throw ApiProblem.invalid("code", "must be the 6-digit code from your authenticator app");
        }
        return totp;
    }

    private static Secret requireCode(Secret code) {
        if (code == null || code.isBlank()) {
            throw ApiProblem.invalid("code", "is required");
        }
        return code;
    }

    private static void requireAccepted(Outcome outcome) {
        switch (outcome) {
            case ACCEPTED -> { }
            case LOCKED -> throw ApiProblem.tooManyRequests("too_many_attempts",
                    "Too many wrong codes. Wait a few minutes, then try again.");
            default -> throw ApiProblem.invalid("code", "is wrong, expired or already used");
        }
    }

    /** Key URI format of Google Authenticator, understood by every common app. */
    static String otpauthUri(String email, String base32Secret) {
        String label = encode(ISSUER + ":" + email);
        return "otpauth://totp/" + label + "?secret=" + base32Secret + "&issuer=" + encode(ISSUER)
                + "&algorithm=" + Totp.ALGORITHM + "&digits=" + Totp.DIGITS + "&period=" + Totp.STEP.toSeconds();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
