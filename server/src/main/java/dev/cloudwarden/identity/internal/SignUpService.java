package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.identity.Emails;
import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.crypto.TenantKeys;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creating an organisation and its first OWNER, in two steps: a request, which answers the same
 * whether or not the address has an account and mails either a verification link or, to an address
 * that has one, a notice; then the link, which creates the organisation. Until the link is used
 * nothing exists and no address is claimed; the request expires after 24 hours.
 */
@Service
public class SignUpService {

    static final Duration VERIFICATION_TTL = Duration.ofHours(24);
    static final String TOKEN_PREFIX = "cwv_";
    private static final String TOKEN_PURPOSE = "signup-verification";
    private static final FieldCrypto.Field PENDING_NAME = new FieldCrypto.Field("signup_requests", "name_ciphertext");
    private static final FieldCrypto.Field PENDING_EMAIL = new FieldCrypto.Field("signup_requests", "email_ciphertext");
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u202A-\\u202E\\u2066-\\u2069]");

    private final UserRepository users;
    private final SignupRequests requests;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final FieldCrypto crypto;
    private final Mailer mailer;
    private final BackgroundMail background;
    private final Clock clock;
    private final ActivityLog activity;
    private final PublicFlows publicFlows;
    private final String publicUrl;

    SignUpService(UserRepository users, SignupRequests requests, PasswordHasher hasher, PasswordPolicy policy, TenantContext tenants,
                  TransactionTemplate tx, TenantKeyring keyring, FieldCrypto crypto, Mailer mailer, BackgroundMail background,
                  Clock clock, CloudwardenProperties platform, ActivityLog activity, PublicFlows publicFlows) {
        this.users = users;
        this.activity = activity;
        this.publicFlows = publicFlows;
        this.requests = requests;
        this.hasher = hasher;
        this.policy = policy;
        this.tenants = tenants;
        this.tx = tx;
        this.keyring = keyring;
        this.crypto = crypto;
        this.mailer = mailer;
        this.background = background;
        this.clock = clock;
        this.publicUrl = platform.publicUrl();
    }

    public record SignedUp(UUID tenantId, UUID userId) {
    }

    /**
     * Checks the request (400 naming the field: organisation name, email, password policy) and
     * queues the rest, whose outcome the caller must not learn: whether the address already has an
     * account decides which mail goes out, and only there.
     */
    public void requestSignUp(String organization, String email, Secret password) {
        String name = organizationName(organization);
        String canonicalEmail = Emails.require("email", email);
        policy.check(password);
        background.submit("sign-up request", () -> tenants.detached(() -> {
            prepare(name, canonicalEmail, password);
            return null;
        }));
    }

    private void prepare(String name, String email, Secret password) {
        if (users.lookupLogin(email).isPresent()) {
            mailer.send(email, "Someone tried to sign up with your address",
                    "Someone asked to create a new Cloudwarden organisation with this email address, which already has an account.\n"
                            + "Nothing was created and your account is unchanged.\n\n"
                            + "If it was you: sign in at " + publicUrl + "/login, or choose a new password at "
                            + publicUrl + "/password-reset.\n"
                            + "If it was not you, you can ignore this email.\n");
            return;
        }
        UUID tenantId = UUID.randomUUID();
        TenantKeys keys = keyring.generate(tenantId);
        String hash = hasher.hash(keys, password);
        Secret token = TenantTokenFormat.mint(TOKEN_PREFIX, tenantId);
        SignupRequests.Row row = new SignupRequests.Row(tenantId, tokenHash(keys, token), keyring.wrap(keys),
                crypto.encrypt(keys, PENDING_NAME, tenantId, name.getBytes(StandardCharsets.UTF_8)),
                crypto.encrypt(keys, PENDING_EMAIL, tenantId, email.getBytes(StandardCharsets.UTF_8)), hash);
        tenants.runAs(tenantId, () -> {
            // committed before the mail goes out, so the link works the moment it arrives
            tx.executeWithoutResult(s -> requests.insert(row, clock.instant().plus(VERIFICATION_TTL)));
            // the organisation name stays out of the mail: nobody can send their own words through it
            mailer.send(email, "Confirm your email to create your Cloudwarden organisation",
                    "Confirm this email address within 24 hours to finish creating your Cloudwarden organisation:\n"
                            + publicUrl + "/verify-email#" + token.reveal() + "\n\n"
                            + "If the link does not open the page, go to " + publicUrl + "/verify-email and paste this code:\n"
                            + token.reveal() + "\n\n"
                            + "If you did not ask for this, ignore this email: nothing is created without it.\n");
        });
    }

    /**
     * Uses a verification link: creates the organisation (its keys, its encrypted name) and its
     * OWNER, who can sign in from now on. Any bad, used or expired token gets the same 400; an
     * address that got an account since the request gets 409 {@code email_taken} (only the owner
     * of the mailbox holds the link, so this tells nobody else anything).
     */
    public SignedUp verifyEmail(Secret token) {
        Secret presented = OneTimeTokens.orEmpty(token);
        UUID tenantId = TenantTokenFormat.tenantOf(TOKEN_PREFIX, presented).orElseThrow(OneTimeTokens::invalid);
        UUID userId = UUID.randomUUID();
        try {
            return publicFlows.asNobody(() -> tenants.callAs(tenantId, () -> tx.execute(s -> {
                SignupRequests.Row row = requests.takeLive().orElseThrow(OneTimeTokens::invalid);
                TenantKeys keys = keyring.unwrap(tenantId, row.keys());
                if (!MessageDigest.isEqual(row.tokenHash(), tokenHash(keys, presented))) {
                    throw OneTimeTokens.invalid();
                }
                String name = new String(crypto.decrypt(keys, PENDING_NAME, tenantId, row.nameCiphertext()), StandardCharsets.UTF_8);
                String email = new String(crypto.decrypt(keys, PENDING_EMAIL, tenantId, row.emailCiphertext()), StandardCharsets.UTF_8);
                keyring.store(keys, row.keys());
                users.insertTenant(tenantId, crypto.encryptString(tenantId, UserService.TENANT_NAME, tenantId, name));
                users.insert(userId, tenantId, email, row.passwordHash(), Role.OWNER);
                activity.record(Action.USER_SIGNED_UP, Target.user(userId)); // the first event of the tenant's chain
                return new SignedUp(tenantId, userId);
            })));
        } catch (DuplicateKeyException e) {
            throw ApiProblem.conflict("email_taken", "This address has an account already: sign in with it, or reset its password.");
        }
    }

    /** Deletes the requests nobody verified in time (every node may run it; it is idempotent). */
    int deleteExpiredRequests() {
        return tx.execute(s -> requests.deleteExpired());
    }

    private static byte[] tokenHash(TenantKeys keys, Secret token) {
        return keys.keyedHash(TOKEN_PURPOSE, token.reveal().getBytes(StandardCharsets.UTF_8));
    }

    private static String organizationName(String organization) {
        String name = organization == null ? "" : organization.strip();
        if (name.isEmpty()) {
            throw ApiProblem.invalid("organization", "is required").saying("Enter the name of your organisation.");
        }
        if (name.codePointCount(0, name.length()) > 200) {
            throw ApiProblem.invalid("organization", "must be at most 200 characters long")
                    .saying("This name is too long. Use at most 200 characters.");
        }
        if (CONTROL.matcher(name).find()) {
            throw ApiProblem.invalid("organization", "must not contain control characters")
                    .saying("This name contains characters that cannot be shown, such as tabs or line breaks. Remove them.");
        }
        return name;
    }
}
