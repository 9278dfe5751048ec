package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ReturnPaths;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import java.util.Locale;
import java.util.function.Supplier;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The console's sign-up, sign-in and home pages (server-rendered, CSRF-protected forms). A refused form
 * comes back with what was typed (never a password or a code) and its error tied to the field ({@link FormError}).
 */
@Controller
class ConsoleController {

    private final SignUpService signUps;
    private final SignInService signIns;
    private final UserService users;
    private final InvitationService invitations;
    private final PasswordResetService resets;
    private final Mailer mailer;

    ConsoleController(SignUpService signUps, SignInService signIns, UserService users, InvitationService invitations,
                      PasswordResetService resets, Mailer mailer) {
        this.signUps = signUps;
        this.signIns = signIns;
        this.users = users;
        this.invitations = invitations;
        this.resets = resets;
        this.mailer = mailer;
    }

    @GetMapping("/")
    String root(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return principal == null ? "redirect:/login" : "redirect:/console";
    }

    /** Someone signed in already has an organisation: the console, not the form. */
    @GetMapping("/signup")
    String signupForm(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return principal != null ? "redirect:/console" : "signup";
    }

    @PostMapping("/signup")
    String signup(@RequestParam(defaultValue = "") String organization, @RequestParam(defaultValue = "") String email,
                  @RequestParam(defaultValue = "") String password, Model model) {
        try {
            signUps.requestSignUp(organization, email, Secret.of(password));
            return "redirect:/signup/check-inbox";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "organization", "email", "password"));
            model.addAttribute("organization", organization);
            model.addAttribute("email", email);
            return "signup";
        }
    }

    /** After a sign-up: the link is in the mail (in dev, where the mail files are). */
    @GetMapping("/signup/check-inbox")
    String checkInbox(Model model) {
        mailer.outbox().ifPresent(outbox -> model.addAttribute("outbox", outbox.toString()));
        return "signup-check-inbox";
    }

    @GetMapping("/verify-email")
    String verifyForm() {
        return "verify-email";
    }

    @PostMapping("/verify-email")
    String verify(@RequestParam(defaultValue = "") String token, Model model) {
        try {
            signUps.verifyEmail(Secret.of(token.strip()));
            return "redirect:/login?verified";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "token"));
            return "verify-email";
        }
    }

    @GetMapping("/login")
    String login(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(required = false) String error,
                 @RequestParam(required = false) String next, Model model) {
        model.addAttribute("signInFailed", error != null);
        model.addAttribute("next", ReturnPaths.consolePage(next).orElse(null));
        return principal != null ? "redirect:" + ReturnPaths.consolePage(next).orElse("/console") : "login";
    }

    @GetMapping("/console")
    String console(@AuthenticationPrincipal CloudwardenPrincipal principal, Model model) {
        model.addAttribute("me", principal);
        model.addAttribute("mfaEnabled", signIns.current(principal.userId()).map(CloudwardenPrincipal::mfaEnabled).orElse(false));
        model.addAttribute("organization", users.organizationName());
        model.addAttribute("users", users.listUsers());
        return "console";
    }

    /** User management: OWNER and ADMIN only (the route table, web.Routes). */
    @GetMapping("/console/users")
    String users(@AuthenticationPrincipal CloudwardenPrincipal principal, Model model) {
        model.addAttribute("me", principal);
        model.addAttribute("users", users.listUsers());
        model.addAttribute("roles", Role.values());
        return "users";
    }

    @PostMapping("/console/users/invite")
    String invite(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String email,
                  @RequestParam(defaultValue = "") String role, RedirectAttributes flash) {
        return act(flash, () -> "Invitation sent to " + invitations.invite(principal, email, parseRole(role)).email() + ".");
    }

    @PostMapping("/console/users/{id}/role")
    String changeRole(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id,
                      @RequestParam(defaultValue = "") String role, RedirectAttributes flash) {
        return act(flash, () -> {
            UserService.UserView changed = users.changeRole(principal, Ids.fromPath(id), parseRole(role));
            return changed.email() + " is now " + label(changed.role()) + ".";
        });
    }

    @PostMapping("/console/users/{id}/disable")
    String disable(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, () -> {
            String email = users.user(Ids.fromPath(id)).email();
            users.disable(principal, Ids.fromPath(id));
            return email + " is disabled and signed out everywhere.";
        });
    }

    @PostMapping("/console/users/{id}/enable")
    String enable(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, () -> users.enable(principal, Ids.fromPath(id)).email() + " can sign in again.");
    }

    /** A role as people read it: "Owner", not OWNER. */
    private static String label(Role role) {
        return role.name().charAt(0) + role.name().substring(1).toLowerCase(Locale.ROOT);
    }

    /** Runs a user-management action and returns to the page with its outcome, which names the person; unknown ids stay 404. */
    private static String act(RedirectAttributes flash, Supplier<String> action) {
        try {
            flash.addFlashAttribute("notice", action.get());
        } catch (ApiProblem problem) {
            if (problem.status().value() == 404) {
                throw problem;
            }
            flash.addFlashAttribute("error", problem.forPeople());
        }
        return "redirect:/console/users";
    }

    private static Role parseRole(String role) {
        try {
            return Role.valueOf(role);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("role", "choose one of OWNER, ADMIN, OPERATOR, VIEWER")
                    .saying("Choose a role: Owner, Admin, Operator or Viewer.");
        }
    }

    @GetMapping("/invitations/accept")
    String acceptForm() {
        return "accept-invitation";
    }

    @PostMapping("/invitations/accept")
    String accept(@RequestParam(defaultValue = "") String token, @RequestParam(defaultValue = "") String password, Model model) {
        try {
            invitations.accept(Secret.of(token.strip()), Secret.of(password));
            return "redirect:/login?accepted";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.forPeople());
            return "accept-invitation";
        }
    }

    @GetMapping("/password-reset")
    String resetRequestForm() {
        return "password-reset";
    }

    @PostMapping("/password-reset")
    String resetRequest(@RequestParam(defaultValue = "") String email, Model model) {
        try {
            resets.request(email);
            model.addAttribute("sent", true);
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "email"));
            model.addAttribute("email", email.length() > 254 ? email.substring(0, 254) : email);
        }
        return "password-reset";
    }

    @GetMapping("/password-reset/confirm")
    String resetConfirmForm() {
        return "password-reset-confirm";
    }

    @PostMapping("/password-reset/confirm")
    String resetConfirm(@RequestParam(defaultValue = "") String token, @RequestParam(defaultValue = "") String password, Model model) {
        try {
            resets.confirm(Secret.of(token.strip()), Secret.of(password));
            return "redirect:/login?passwordReset";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "token", "password"));
            return "password-reset-confirm";
        }
    }

    @GetMapping("/security-policy")
    String securityPolicy() {
        return "security-policy";
    }
}
