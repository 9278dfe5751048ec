package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import org.springframework.security.authentication.AccountExpiredException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/**
 * Console sign-in through Spring Security's form login, checked by the same code as the API. A
 * brute-force lockout (of an account or of an unknown email alike) becomes a {@link LockedException},
 * which the console answers with {@code /login?locked}; a saturated node's 503 becomes
 * {@code /login?busy}; the right password of an organisation whose subscription ended {@code /login?ended}. For an account with MFA it signs nobody in:
 * it hands over to the code step.
 */
@Component
class PasswordAuthenticationProvider implements AuthenticationProvider {

    private final SignInService signIns;

    PasswordAuthenticationProvider(SignInService signIns) {
        this.signIns = signIns;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object credentials = authentication.getCredentials();
        Secret password = Secret.of(credentials == null ? "" : credentials.toString());
        CloudwardenPrincipal principal;
        try {
            principal = signIns.authenticate(authentication.getName(), password)
                    .orElseThrow(() -> new BadCredentialsException("Invalid email or password."));
        } catch (ApiProblem problem) {
            if (problem.status().value() == 429) {
                throw new LockedException("Too many failed sign-in attempts.");
            }
            if (SignInService.SUBSCRIPTION_ENDED.equals(problem.code())) {
                throw new AccountExpiredException("The organisation's subscription has ended.");
            }
            if (problem.status().value() == 503) {
                throw new SignInBusyException();
            }
            throw problem;
        }
        if (principal.mfaEnabled()) {
            // first factor only: nobody is signed in until the code step (ConsoleSecondFactor) succeeds
            throw new SecondFactorRequiredException(principal.tenantId(), principal.userId());
        }
        return principal.toAuthentication();
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
