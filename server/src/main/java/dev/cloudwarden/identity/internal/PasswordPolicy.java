package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import me.gosimple.nbvcxz.resources.ConfigurationBuilder;
import me.gosimple.nbvcxz.resources.Dictionary;
import org.springframework.stereotype.Component;

/**
 * New passwords: 12 to 256 characters, and not in the list of breached passwords bundled with
 * nbvcxz (its "passwords" dictionary, compared case-insensitively).
 */
@Component
public class PasswordPolicy {

    public static final int MIN_LENGTH = 12;
    public static final int MAX_LENGTH = 256;

    private final Set<String> breached = ConfigurationBuilder.getDefaultDictionaries().stream()
            .filter(d -> d.getDictionaryName().equals("passwords"))
            .map(Dictionary::getDictonary)
            .flatMap(m -> m.keySet().stream())
            .map(p -> p.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());

    public PasswordPolicy() {
        if (breached.isEmpty()) {
            throw new IllegalStateException("the bundled breached-password list is missing");
        }
    }

    public void check(Secret password) {
        if (password == null || password.isBlank()) {
            throw ApiProblem.invalid("password", "is required").saying("Choose a password.");
        }
        int length = password.reveal().codePointCount(0, password.length());
        if (length < MIN_LENGTH) {
            throw ApiProblem.invalid("password", "must be at least " + MIN_LENGTH + " characters long")
                    .saying("This password is too short. Use at least " + MIN_LENGTH + " characters: several words make a long password easy to remember.");
        }
        if (length > MAX_LENGTH) {
            throw ApiProblem.invalid("password", "must be at most " + MAX_LENGTH + " characters long")
                    .saying("This password is too long. Use at most " + MAX_LENGTH + " characters.");
        }
        if (breached.contains(password.reveal().toLowerCase(Locale.ROOT))) {
            throw ApiProblem.invalid("password", "appears in a list of breached passwords; choose another")
                    .saying("This password appears in a list of breached passwords. Choose another.");
        }
    }
}
