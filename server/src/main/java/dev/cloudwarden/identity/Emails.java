package dev.cloudwarden.identity;

import java.util.Locale;
import java.util.regex.Pattern;

/** Email addresses are compared in one canonical form: trimmed and lower-cased. */
final class Emails {

    /** Deliberately plain: a local part, one @, a domain with a dot, no spaces or control characters. */
    static final String PATTERN = "^[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]+\\.[^@\\s\\p{Cntrl}]+$";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    private Emails() {
    }

    /** The canonical form of a required address; 400 naming {@code field} when it is missing or not an address we accept. */
    static String require(String field, String email) {
        if (email == null || email.isBlank()) {
            throw dev.cloudwarden.common.ApiProblem.invalid(field, "is required");
        }
        String canonical = normalize(email);
        if (canonical == null) {
            throw dev.cloudwarden.common.ApiProblem.invalid(field, "must be a valid email address");
        }
        return canonical;
    }

    /** The canonical form, or null when the input is not an address we accept. */
    static String normalize(String email) {
        if (email == null) {
            return null;
        }
        String canonical = email.strip().toLowerCase(Locale.ROOT);
        return canonical.length() <= 254 && VALID.matcher(canonical).matches() ? canonical : null;
    }
}
