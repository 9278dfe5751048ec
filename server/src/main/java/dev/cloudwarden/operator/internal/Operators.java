package dev.cloudwarden.operator.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.PlatformKeys;
import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.identity.Passwords;
import dev.cloudwarden.mfa.OneTimeCodes;
import dev.cloudwarden.operator.OperatorRole;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Operator accounts: creation by the command line (an INVITED account and a single-use enrolment
 * link), enrolment (password and TOTP in one step, so no operator is ever without either), and the
 * password-and-code check of sign-in with its lockout. The secrets are under the platform's keys.
 */
@Service
class Operators {

    static final String ENROLMENT_PREFIX = "cwe_";
    static final FieldCrypto.Field TOTP_SECRET = new FieldCrypto.Field("operators", "totp_secret_ciphertext");
    private static final String ENROLMENT_HASH = "operator-enrolment";
    private static final String COLUMNS = "id, email, role, status, created_at, enrolled_at";

    record Operator(UUID id, String email, OperatorRole role, String status, Instant createdAt, Instant enrolledAt) {
    }

    /** A new operator and the link that enrols them (shown once). */
    record Created(Operator operator, Secret link) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PlatformKeys keys;
    private final FieldCrypto crypto;
    private final Passwords passwords;
    private final OneTimeCodes codes;
    private final ActivityLog activity;
    private final OperatorSettings settings;
    private final CloudwardenProperties platform;
    private final Clock clock;
    private final TenantContext tenants;
    private final AccessRequests requests;
    private final SecureRandom random = new SecureRandom();

    Operators(JdbcClient jdbc, TransactionTemplate tx, PlatformKeys keys, FieldCrypto crypto, Passwords passwords, OneTimeCodes codes,
              ActivityLog activity, OperatorSettings settings, CloudwardenProperties platform, Clock clock, TenantContext tenants,
              AccessRequests requests) {
        this.jdbc = jdbc;
        this.tenants = tenants;
        this.requests = requests;
        this.tx = tx;
        this.keys = keys;
        this.crypto = crypto;
        this.passwords = passwords;
        this.codes = codes;
        this.activity = activity;
        this.settings = settings;
        this.platform = platform;
        this.clock = clock;
    }

    Created create(String email, String role) {
        String address = Emails.require("email", email);
        OperatorRole parsed = parseRole(role);
        UUID id = UUID.randomUUID();
        Secret token = Secret.of(ENROLMENT_PREFIX + randomToken());
        Instant now = clock.instant();
        try {
            inPlatformScope(() -> {
                jdbc.sql("""
                        insert into operators (id, email, role, status, enrol_token_hash, enrol_expires_at, created_at)
                        values (?, ?, ?, 'INVITED', ?, ?, ?)""")
                        .params(id, address, parsed.name(), hash(token), Timestamp.from(now.plus(settings.enrolmentLink())), Timestamp.from(now))
                        .update();
                activity.record(Action.OPERATOR_CREATED, operatorTarget(id), Map.of("operator", id, "role", parsed.name()));
                return null;
            });
        } catch (DuplicateKeyException e) {
            throw ApiProblem.conflict("operator_exists", "An operator with this email already exists.");
        }
        return new Created(new Operator(id, address, parsed, "INVITED", now, null),
                Secret.of(platform.publicUrl() + "/ops/enrol#" + token.reveal()));
    }

    /**
     * Offboarding: the operator can no longer sign in, an unused enrolment link stops working, and every
     * session of theirs ends at once. False when there is no such operator or they were disabled already.
     */
    boolean disable(String email) {
        String address = Emails.require("email", email);
        Optional<UUID> disabled = inPlatformScope(() -> {
            Optional<UUID> id = jdbc.sql("update operators set status = 'DISABLED', enrol_token_hash = null, enrol_expires_at = null "
                    + "where email = ? and status <> 'DISABLED' returning id").param(address).query(UUID.class).optional();
            id.ifPresent(operator -> {
                jdbc.sql("update operator_sessions set revoked_at = ? where operator_id = ? and revoked_at is null")
                        .params(Timestamp.from(clock.instant()), operator).update();
                activity.record(Action.OPERATOR_DISABLED, operatorTarget(operator), Map.of("operator", operator));
            });
            return id;
        });
        disabled.ifPresent(requests::endAllOf); // each in its tenant's transaction and history
        return disabled.isPresent();
    }

    /**
     * A TOTP secret on offer to the operator the link enrols; asking again replaces it, so only the
     * secret shown last works.
     */
    OneTimeCodes.Offer offer(Secret token) {
        return tx.execute(s -> {
            Operator operator = invited(token);
            OneTimeCodes.Offer offer = codes.offer(operator.email());
            jdbc.sql("update operators set totp_secret_ciphertext = ? where id = ?")
                    .params(crypto.encrypt(keys.keys(), TOTP_SECRET, operator.id(), offer.secret().reveal().getBytes(StandardCharsets.UTF_8)),
                            operator.id())
                    .update();
            return offer;
        });
    }

    /** Completes enrolment: a strong password and a code from the secret on offer. The link is used up. */
    UUID enrol(Secret token, Secret password, String code) {
        passwords.checkPolicy(password);
        if (code == null || code.isBlank()) {
            throw ApiProblem.invalid("code", "is required: the 6-digit code your authenticator app shows");
        }
        return inPlatformScope(() -> {
            Operator operator = invited(token);
            byte[] ciphertext = jdbc.sql("select totp_secret_ciphertext from operators where id = ?").param(operator.id())
                    .query((rs, n) -> rs.getBytes(1)).single();
            if (ciphertext == null) {
                throw ApiProblem.invalid("code", "has no secret to match: ask for the QR code first");
            }
            Secret secret = secret(operator.id(), ciphertext);
            OptionalLong step = codes.acceptedStep(secret, code.strip(), clock.instant(), null);
            if (step.isEmpty()) {
                throw ApiProblem.invalid("code", "does not match the secret on offer; check the time on your device and try the next code");
            }
            jdbc.sql("""
                    update operators set status = 'ACTIVE', password_hash = ?, totp_last_step = ?, enrolled_at = ?,
                        enrol_token_hash = null, enrol_expires_at = null, failures = 0, locked_until = null
                    where id = ?""")
                    .params(passwords.hash(keys.keys(), password), step.getAsLong(), Timestamp.from(clock.instant()), operator.id())
                    .update();
            activity.record(Action.OPERATOR_ENROLLED, operatorTarget(operator.id()), Map.of("operator", operator.id()));
            return operator.id();
        });
    }

    /** Why a sign-in failed, for the platform's history; the caller always answers the same. */
    enum Failure { UNKNOWN_EMAIL, BAD_PASSWORD, BAD_CODE, LOCKED_OUT, NOT_ACTIVE }

    record SignIn(Operator operator, Failure failure) {
    }

    /**
     * Checks email, password and code together. An unknown email costs the same hashing as a known one;
     * attempts in a row without a success lock the account for a while; a code's time step is used once.
     */
    SignIn check(String email, Secret password, String code) {
        String address = Emails.canonical(email);
        Optional<Stored> found = address == null ? Optional.empty() : tx.execute(s -> jdbc.sql(
                        "select " + COLUMNS + ", password_hash, totp_secret_ciphertext, totp_last_step from operators where email = ?")
                .param(address).query(Operators::stored).optional());
        if (found.isEmpty() || !found.get().operator().status().equals("ACTIVE")) {
            passwords.matchDummy(password);
            return new SignIn(found.map(Stored::operator).orElse(null), found.isEmpty() ? Failure.UNKNOWN_EMAIL : Failure.NOT_ACTIVE);
        }
        Stored stored = found.get();
        Instant now = clock.instant();
        // The attempt is counted before any hashing, in one statement: parallel attempts cannot all pass a
        // check made before any of them failed. A lockout past its time starts the count again.
        Optional<Integer> attempt = tx.execute(s -> jdbc.sql("""
                update operators
                set failures = case when locked_until is not null then 1 else failures + 1 end,
                    locked_until = case when (case when locked_until is not null then 1 else failures + 1 end) >= ? then ?::timestamptz end
                where id = ? and status = 'ACTIVE' and (locked_until is null or locked_until <= ?)
                returning failures""")
                .params(settings.lockoutFailures(), Timestamp.from(now.plus(settings.lockout())), stored.operator().id(), Timestamp.from(now))
                .query(Integer.class).optional());
        if (attempt.isEmpty()) {
            passwords.matchDummy(password);
            return new SignIn(stored.operator(), Failure.LOCKED_OUT);
        }
        if (!passwords.matches(keys.keys(), password, stored.passwordHash())) {
            return new SignIn(stored.operator(), Failure.BAD_PASSWORD);
        }
        OptionalLong step = codes.acceptedStep(secret(stored.operator().id(), stored.totpCiphertext()), code == null ? "" : code.strip(), now,
                stored.totpLastStep());
        if (step.isEmpty()) {
            return new SignIn(stored.operator(), Failure.BAD_CODE);
        }
        // the step moves forward only: a code seen by two requests at once signs in once
        int updated = tx.execute(s -> jdbc.sql("""
                update operators set totp_last_step = ?, failures = 0, locked_until = null
                where id = ? and status = 'ACTIVE' and (totp_last_step is null or totp_last_step < ?)""")
                .params(step.getAsLong(), stored.operator().id(), step.getAsLong()).update());
        return updated == 1 ? new SignIn(stored.operator(), null) : new SignIn(stored.operator(), Failure.BAD_CODE);
    }

    Optional<Operator> find(UUID id) {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operators where id = ?").param(id).query(Operators::operator).optional());
    }

    List<Operator> list() {
        return tx.execute(s -> jdbc.sql("select " + COLUMNS + " from operators order by role, email").query(Operators::operator).list());
    }

    /** Active operators of a role: the dashboard shows how few PLATFORM_ADMINs there are. */
    long countActive(OperatorRole role) {
        return tx.execute(s -> jdbc.sql("select count(*) from operators where role = ? and status = 'ACTIVE'").param(role.name())
                .query(Long.class).single());
    }

    /** A change to operators and its event in the platform's history, in one transaction. */
    private <T> T inPlatformScope(java.util.function.Supplier<T> work) {
        return tenants.callAs(ActivityLog.PLATFORM, () -> tx.execute(s -> work.get()));
    }

    static Target operatorTarget(UUID id) {
        return new Target("operator", id.toString());
    }

    private record Stored(Operator operator, String passwordHash, byte[] totpCiphertext, Long totpLastStep) {
    }

    private static Stored stored(ResultSet rs, int n) throws SQLException {
        return new Stored(operator(rs, n), rs.getString("password_hash"), rs.getBytes("totp_secret_ciphertext"),
                (Long) rs.getObject("totp_last_step"));
    }

    private static Operator operator(ResultSet rs, int n) throws SQLException {
        Timestamp enrolled = rs.getTimestamp("enrolled_at");
        return new Operator(rs.getObject("id", UUID.class), rs.getString("email"), OperatorRole.valueOf(rs.getString("role")),
                rs.getString("status"), rs.getTimestamp("created_at").toInstant(), enrolled == null ? null : enrolled.toInstant());
    }

    /** The invited operator a live link enrols, row-locked; one answer for every bad link. */
    private Operator invited(Secret token) {
        if (token == null || !token.reveal().startsWith(ENROLMENT_PREFIX) || token.length() > 100) {
            throw invalidLink();
        }
        return jdbc.sql("select " + COLUMNS + " from operators where enrol_token_hash = ? and status = 'INVITED' and enrol_expires_at > ? for update")
                .params(hash(token), Timestamp.from(clock.instant()))
                .query(Operators::operator).optional().orElseThrow(Operators::invalidLink);
    }

    private Secret secret(UUID operator, byte[] ciphertext) {
        byte[] plain = crypto.decrypt(keys.keys(), TOTP_SECRET, operator, ciphertext);
        try {
            return Secret.of(new String(plain, StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] hash(Secret token) {
        return keys.keys().keyedHash(ENROLMENT_HASH, token.reveal().getBytes(StandardCharsets.UTF_8));
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static ApiProblem invalidLink() {
        return ApiProblem.invalid("token", "is invalid, expired or already used; ask a platform administrator for a new link");
    }

    static OperatorRole parseRole(String role) {
        if (role == null || role.isBlank()) {
            throw ApiProblem.invalid("role", "is required: PLATFORM_ADMIN or SUPPORT");
        }
        try {
            return OperatorRole.valueOf(role.strip());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("role", "must be PLATFORM_ADMIN or SUPPORT");
        }
    }
}
