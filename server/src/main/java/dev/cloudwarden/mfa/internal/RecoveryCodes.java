package dev.cloudwarden.mfa.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recovery codes: 10 per enrolment, each 12 characters from an alphabet without look-alikes
 * (about 59 bits), shown as {@code xxxx-xxxx-xxxx}. Input is compared in a canonical form: lower
 * case, without dashes or spaces.
 */
final class RecoveryCodes {

    static final int COUNT = 10;
    static final int LENGTH = 12;
    static final String ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

    private static final SecureRandom RANDOM = new SecureRandom();

    private RecoveryCodes() {
    }

    static List<String> generate() {
        List<String> codes = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            StringBuilder code = new StringBuilder(LENGTH + 2);
            for (int c = 0; c < LENGTH; c++) {
                if (c > 0 && c % 4 == 0) {
                    code.append('-');
                }
                code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            }
            codes.add(code.toString());
        }
        return codes;
    }

    /** The canonical form of a recovery code, or null when the input cannot be one. */
    static String canonical(String input) {
        if (input == null || input.length() > 32) {
            return null;
        }
        String canonical = input.strip().toLowerCase(Locale.ROOT).replace("-", "").replace(" ", "");
        if (canonical.length() != LENGTH) {
            return null;
        }
        for (int i = 0; i < canonical.length(); i++) {
            if (ALPHABET.indexOf(canonical.charAt(i)) < 0) {
                return null;
            }
        }
        return canonical;
    }
}
