package dev.cloudwarden.identity;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Secret;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The console's sign-up, sign-in and home pages (server-rendered, CSRF-protected forms). */
@Controller
class ConsoleController {

    private final IdentityService identity;

    ConsoleController(IdentityService identity) {
        this.identity = identity;
    }

    @GetMapping("/")
    String root(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return principal == null ? "redirect:/login" : "redirect:/console";
    }

    @GetMapping("/signup")
    String signupForm() {
        return "signup";
    }

    @PostMapping("/signup")
    String signup(@RequestParam(defaultValue = "") String organization, @RequestParam(defaultValue = "") String email,
                  @RequestParam(defaultValue = "") String password, Model model) {
        try {
            identity.signUp(organization, email, Secret.of(password));
            return "redirect:/login?signedUp";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.getMessage());
            model.addAttribute("organization", organization);
            model.addAttribute("email", email);
            return "signup";
        }
    }

    @GetMapping("/login")
    String login() {
        return "login";
    }

    @GetMapping("/console")
    String console(@AuthenticationPrincipal CloudwardenPrincipal principal, Model model) {
        model.addAttribute("me", principal);
        model.addAttribute("organization", identity.organizationName());
        model.addAttribute("users", identity.listUsers());
        return "console";
    }

    @PostMapping("/console/invite")
    String invite(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String email,
                  @RequestParam(defaultValue = "") String role, Model model) {
        try {
            Role chosen = Role.valueOf(role);
            identity.invite(principal, email, chosen);
            return "redirect:/console?invited";
        } catch (IllegalArgumentException e) {
            model.addAttribute("inviteError", "role: choose one of OWNER, ADMIN, OPERATOR, VIEWER");
        } catch (ApiProblem problem) {
            model.addAttribute("inviteError", problem.getMessage());
        }
        return console(principal, model);
    }

    @GetMapping("/invitations/accept")
    String acceptForm() {
        return "accept-invitation";
    }

    @PostMapping("/invitations/accept")
    String accept(@RequestParam(defaultValue = "") String token, @RequestParam(defaultValue = "") String password, Model model) {
        try {
            identity.acceptInvitation(Secret.of(token.strip()), Secret.of(password));
            return "redirect:/login?accepted";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.getMessage());
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
            identity.requestPasswordReset(email);
            model.addAttribute("sent", true);
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.getMessage());
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
            identity.confirmPasswordReset(Secret.of(token.strip()), Secret.of(password));
            return "redirect:/login?passwordReset";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.getMessage());
            return "password-reset-confirm";
        }
    }

    @GetMapping("/security-policy")
    String securityPolicy() {
        return "security-policy";
    }
}
