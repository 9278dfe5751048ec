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
        model.addAttribute("mfaEnabled", identity.current(principal.userId()).map(CloudwardenPrincipal::mfaEnabled).orElse(false));
        model.addAttribute("organization", identity.organizationName());
        model.addAttribute("users", identity.listUsers());
        return "console";
    }

    @GetMapping("/security-policy")
    String securityPolicy() {
        return "security-policy";
    }
}
