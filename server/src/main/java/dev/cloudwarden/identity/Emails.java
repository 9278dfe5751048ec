package dev.cloudwarden.identity;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Email addresses are compared in one canonical form: trimmed and lower-cased. A new address (sign-up,
 * invitation, reset request) must also be one the mailer can send to, so it is checked with
 * the mailer's own parser ({@code new InternetAddress(to, true)}): an address we accept but cannot
 * mail would leave its owner without invitations or resets.
 */
public final class Emails {

    /** Deliberately plain: a local part, one @, a domain with a dot, no spaces or control characters. */
    public static final String PATTERN = "^[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]+\\.[^@\\s\\p{Cntrl}]+$";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    private Emails() {
    }

    /** The canonical form of a required address; 400 naming {@code field} when it is missing or not an address we accept. */
    public static String require(String field, String email) {
        if (email == null || email.isBlank()) {
            throw dev.cloudwarden.common.ApiProblem.invalid(field, "is required").saying("Enter an email address.");
        }
        String canonical = normalize(email);
        if (canonical == null) {
            throw dev.cloudwarden.common.ApiProblem.invalid(field, "must be a valid email address")
                    .saying("This is not an email address we can write to. Enter one such as name@example.com.");
        }
        return canonical;
    }

    /**
     * The canonical form of an address we accept for a new account or a message, or null: the plain
     * shape above, and exactly one bare address to the strict RFC 822 parser the mailer uses (no
     * display name, no group, no angle brackets or comments around it).
     */
    public static String normalize(String email) {
        String canonical = canonical(email);
        return canonical != null && mailable(canonical) ? canonical : null;
    }

    /**
     * The canonical form for looking up an existing account (sign-in), or null: the plain shape only,
     * so an account stored before the stricter check still signs in.
     */
    public static String canonical(String email) {
        if (email == null) {
            return null;
        }
        String canonical = email.strip().toLowerCase(Locale.ROOT);
        return canonical.length() <= 254 && VALID.matcher(canonical).matches() ? canonical : null;
    }

    private static boolean mailable(String canonical) {
        try {
            InternetAddress parsed = new InternetAddress(canonical, true);
            return !parsed.isGroup() && parsed.getPersonal() == null && canonical.equals(parsed.getAddress());
        } catch (AddressException e) {
            return false;
        }
    }
}
