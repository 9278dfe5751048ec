package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ReturnPaths;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.security.authentication.AccountExpiredException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The console's MFA sign-in step. The password form (Spring Security's form login) hands over here
 * for an account with MFA: the session then only remembers who is half-way (for five minutes, five
 * codes at most) and nobody is authenticated. A right code signs the user in on a new session id
 * with a new CSRF token. Both forms are CSRF-protected like every console form.
 */
@Controller
public class ConsoleSecondFactor implements AuthenticationFailureHandler {

    static final String PENDING = ConsoleSecondFactor.class.getName() + ".PENDING";
    static final Duration TIME_LIMIT = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 5;

    /** Who passed the password step, until when, and how many wrong codes they sent since. Ids only. */
    record Pending(UUID tenantId, UUID userId, Instant expiresAt, int attempts) implements Serializable {
        Pending failedOnce() {
            return new Pending(tenantId, userId, expiresAt, attempts + 1);
        }
    }

    private final SignInService signIns;
    private final SignInOrigins origins;
    private final SecurityContextRepository contexts = new HttpSessionSecurityContextRepository();
    private final CsrfTokenRepository csrfTokens = new HttpSessionCsrfTokenRepository();

    ConsoleSecondFactor(SignInService signIns, SignInOrigins origins) {
        this.signIns = signIns;
        this.origins = origins;
    }

    /** Form login failed: a wrong password, or a right one for an account that needs its code next. */
    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (e instanceof SecondFactorRequiredException needed) {
            HttpSession session = request.getSession();
            request.changeSessionId();
            // whoever this browser was signed in as before is signed out: the session is now the new
            // account's half-way sign-in, never one user's session holding another's pending step
            contexts.saveContext(SecurityContextHolder.createEmptyContext(), request, response);
            session.setAttribute(PENDING, new Pending(needed.tenantId(), needed.userId(), Instant.now().plus(TIME_LIMIT), 0));
            response.sendRedirect(request.getContextPath() + "/login/mfa" + query("?", request.getParameter("next")));
        } else {
            forget(request);
            String outcome = e instanceof LockedException ? "locked" : e instanceof SignInBusyException ? "busy"
                    : e instanceof AccountExpiredException ? "ended" : "error";
            response.sendRedirect(request.getContextPath() + "/login?" + outcome + query("&", request.getParameter("next")));
        }
    }

    /** The page to return to after sign-in, carried from step to step ({@code next}); empty when there is none. */
    private static String query(String separator, String next) {
        String parameter = ReturnPaths.parameter(next);
        return parameter.isEmpty() ? "" : separator + parameter;
    }

    @GetMapping("/login/mfa")
    String form(@RequestParam(required = false) String next, HttpServletRequest request, Model model) {
        model.addAttribute("next", ReturnPaths.consolePage(next).orElse(null));
        return pending(request) == null ? "redirect:/login" : "login-mfa";
    }

    @PostMapping("/login/mfa")
    String verify(@RequestParam(defaultValue = "") String code, @RequestParam(required = false) String next, HttpServletRequest request,
                  HttpServletResponse response, Model model) {
        model.addAttribute("next", ReturnPaths.consolePage(next).orElse(null));
        Pending pending = pending(request);
        if (pending == null) {
            return "redirect:/login?expired";
        }
        if (code.isBlank() || code.length() > 64) {
            model.addAttribute("error", "Enter the 6-digit code from your authenticator app, or a recovery code.");
            return "login-mfa";
        }
        SignInService.SecondStep step = signIns.completeSecondFactor(pending.tenantId(), pending.userId(), Secret.of(code),
                origins.of(request), request.getRequestedSessionId());
        switch (step.result()) {
            case ACCEPTED -> {
                forget(request);
                signIn(step.principal().orElseThrow(), request, response);
                return "redirect:" + ReturnPaths.consolePage(next).orElse("/console");
            }
            case LOCKED -> {
                forget(request);
                return "redirect:/login?locked";
            }
            default -> {
                Pending failed = pending.failedOnce();
                if (failed.attempts() >= MAX_ATTEMPTS) {
                    forget(request);
                    return "redirect:/login?error";
                }
                request.getSession().setAttribute(PENDING, failed);
                model.addAttribute("error", "That code is wrong, expired or already used.");
                return "login-mfa";
            }
        }
    }

    /**
     * Reloads the console session's principal after the user's MFA state changed (enrolled, or
     * turned it off), on a new session id.
     */
    public void refresh(CloudwardenPrincipal stale, HttpServletRequest request, HttpServletResponse response) {
        signIns.current(stale.userId()).ifPresent(current -> {
            request.changeSessionId();
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(current.toAuthentication());
            SecurityContextHolder.setContext(context);
            contexts.saveContext(context, request, response);
        });
    }

    /** Signs the user in on a fresh session id and CSRF token, as form login does for a password-only account. */
    private void signIn(CloudwardenPrincipal principal, HttpServletRequest request, HttpServletResponse response) {
        request.changeSessionId();
        csrfTokens.saveToken(null, request, response);
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(principal.toAuthentication());
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
    }

    private static Pending pending(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null || !(session.getAttribute(PENDING) instanceof Pending pending)) {
            return null;
        }
        if (Instant.now().isAfter(pending.expiresAt())) {
            session.removeAttribute(PENDING);
            return null;
        }
        return pending;
    }

    private static void forget(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.removeAttribute(PENDING);
        }
    }
}
