package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.IdentityWeb;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The console's MFA pages. The secret and its QR code are shown only in the answer to the form
 * that creates them (a POST, never a URL that could be bookmarked or logged); recovery codes only
 * in the answer to the confirmation. Those answers are not redirects on purpose: a redirect would
 * have to carry the secret or the codes in the URL or in the session, and console sessions are rows
 * in PostgreSQL. Every answer is {@code Cache-Control: no-store} (Spring Security's default), and
 * opening a form's address (reloading it, or from the history) leads back to the overview.
 */
@Controller
class MfaConsoleController {

    private static final Set<String> BACK_TO_OVERVIEW = Set.of("mfa_not_enrolling", "mfa_already_enabled", "mfa_not_enabled");

    private final MfaService mfa;
    private final IdentityWeb console;

    MfaConsoleController(MfaService mfa, IdentityWeb console) {
        this.mfa = mfa;
        this.console = console;
    }

    @GetMapping("/mfa")
    String overview(@AuthenticationPrincipal CloudwardenPrincipal principal, Model model) {
        boolean enabled = mfa.isEnabled(principal.userId());
        boolean required = mfa.tenantRequiresMfa();
        model.addAttribute("me", principal);
        model.addAttribute("enabled", enabled);
        model.addAttribute("required", required);
        model.addAttribute("enrollmentRequired", required && !enabled);
        model.addAttribute("recoveryCodesLeft", enabled ? mfa.unusedRecoveryCodes(principal.userId()) : 0);
        return "mfa";
    }

    /** The addresses the forms post to are not pages: opened with GET they lead to the overview, not to a 405. */
    @GetMapping({"/mfa/totp", "/mfa/totp/confirm", "/mfa/totp/disable", "/mfa/recovery-codes"})
    String backToOverview() {
        return "redirect:/mfa";
    }

    @PostMapping("/mfa/totp")
    String enroll(@AuthenticationPrincipal CloudwardenPrincipal principal, Model model) {
        try {
            return enrolment(mfa.startEnrollment(principal), model);
        } catch (ApiProblem problem) {
            return "redirect:/mfa";
        }
    }

    /** The set-up page with the QR code and the key, the key in groups of four to type it without losing one's place. */
    private static String enrolment(MfaService.Enrollment enrollment, Model model) {
        model.addAttribute("secret", enrollment.secret().reveal().replaceAll("(.{4})(?!$)", "$1 "));
        model.addAttribute("qrCode", QrCodes.pngDataUri(enrollment.otpauthUri()));
        return "mfa-enrol";
    }

    @PostMapping("/mfa/totp/confirm")
    String confirm(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String code,
                   HttpServletRequest request, HttpServletResponse response, Model model) {
        try {
            List<String> codes = mfa.confirm(principal, Secret.of(code)).stream().map(Secret::reveal).toList();
            console.refreshConsolePrincipal(principal, request, response);
            return recoveryCodes(principal, codes, false, model);
        } catch (ApiProblem problem) {
            if (BACK_TO_OVERVIEW.contains(problem.code())) {
                return "redirect:/mfa";
            }
            model.addAttribute("error", problem.status() == HttpStatus.TOO_MANY_REQUESTS ? problem.forPeople()
                    : "That code did not work. Enter the 6-digit code your app shows now; if it keeps failing, check that your phone's clock is right.");
            // the same key again (a wrong code is no reason to make the person scan a new one)
            return mfa.pendingEnrollment(principal).map(e -> enrolment(e, model)).orElse("redirect:/mfa");
        }
    }

    /**
     * A new set of recovery codes in place of the old ones, confirmed with a fresh code from the app
     * (re-authentication: a session left open is not enough). A wrong code shows the overview again,
     * the error tied to the field; nothing changes.
     */
    @PostMapping("/mfa/recovery-codes")
    String regenerateRecoveryCodes(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String code,
                                   Model model) {
        try {
            List<String> codes = mfa.regenerateRecoveryCodes(principal, Secret.of(code)).stream().map(Secret::reveal).toList();
            return recoveryCodes(principal, codes, true, model);
        } catch (ApiProblem problem) {
            if (BACK_TO_OVERVIEW.contains(problem.code())) {
                return "redirect:/mfa";
            }
            model.addAttribute("regenerateError", problem.status() == HttpStatus.TOO_MANY_REQUESTS ? problem.getMessage()
                    : "That code did not work. Enter the 6-digit code your authenticator app shows now. Your recovery codes have not changed.");
            return overview(principal, model);
        }
    }

    /** The page that shows recovery codes, once: after enrolment, or in place of the old ones. */
    private static String recoveryCodes(CloudwardenPrincipal principal, List<String> codes, boolean regenerated, Model model) {
        model.addAttribute("recoveryCodes", codes);
        model.addAttribute("recoveryCodesText", "Cloudwarden recovery codes for " + principal.email() + "\n\n" + String.join("\n", codes) + "\n");
        model.addAttribute("regenerated", regenerated);
        return "mfa-recovery-codes";
    }

    @PostMapping("/mfa/totp/disable")
    String disable(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String code,
                   HttpServletRequest request, HttpServletResponse response, Model model) {
        try {
            mfa.disable(principal, Secret.of(code));
            console.refreshConsolePrincipal(principal, request, response);
            return "redirect:/mfa?disabled";
        } catch (ApiProblem problem) {
            if (BACK_TO_OVERVIEW.contains(problem.code())) {
                return "redirect:/mfa";
            }
            model.addAttribute("error", problem.forPeople());
            return overview(principal, model);
        }
    }
}
