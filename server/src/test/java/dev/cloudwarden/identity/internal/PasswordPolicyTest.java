package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordPolicyTest {

    private final PasswordPolicy policy = new PasswordPolicy();

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "elevenchars", "password1234", "PASSWORD1234", "qwertyuiopasdfgh", "123456789012"})
    void refusesShortAndBreachedPasswords(String password) {
        assertThatThrownBy(() -> policy.check(Secret.of(password)))
                .isInstanceOf(ApiProblem.class).hasMessageStartingWith("password: ");
    }

    @Test
    void refusesOverlongPasswordsAndCountsCharactersNotBytes() {
        assertThatThrownBy(() -> policy.check(Secret.of("x".repeat(257)))).hasMessageContaining("at most 256");
        assertThatCode(() -> policy.check(Secret.of("\uD83D\uDD10".repeat(12)))).doesNotThrowAnyException();
        assertThatThrownBy(() -> policy.check(Secret.of("\uD83D\uDD10".repeat(11)))).hasMessageContaining("at least 12");
    }

    @Test
    void acceptsAStrongPassword() {
        assertThatCode(() -> policy.check(Secret.of("violet-harbour-kettle-93"))).doesNotThrowAnyException();
    }

    @Test
    void theMessageNeverContainsThePassword() {
        assertThatThrownBy(() -> policy.check(Secret.of("password1234"))).message().doesNotContain("password1234");
    }
}
