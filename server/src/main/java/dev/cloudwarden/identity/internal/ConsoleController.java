package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import dev.cloudwarden.common.ReturnPaths;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * The console's sign-up, sign-in and people pages, and the pages of emailed links (server-rendered,
 * CSRF-protected forms). A refused form comes back with what was typed (never a password or a code) and
 * its error tied to the field ({@link FormError}).
 */
@Controller
class ConsoleController {

    /** The states the people page filters by: a member's, or "invited" for a pending invitation. */
    static final List<String> PEOPLE_STATES = List.of("active", "disabled", "invited");

    private final SignUpService signUps;
    private final UserService users;
    private final InvitationService invitations;
    private final PasswordResetService resets;
    private final Mailer mailer;

    ConsoleController(SignUpService signUps, UserService users, InvitationService invitations,
                      PasswordResetService resets, Mailer mailer) {
        this.signUps = signUps;
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

    /** User management: OWNER and ADMIN only (the route table, web.Routes). */
    /**
     * The members and the pending invitations, each narrowed by a part of the email and a state when chosen, each a page
     * at a time (the invitations' page travels as {@code invitationsPage}).
     */
    @GetMapping("/console/users")
    String users(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String q,
                 @RequestParam(defaultValue = "") String state, @RequestParam(required = false) String page,
                 @RequestParam(required = false) String invitationsPage, Model model) {
        model.addAttribute("me", principal);
        FormError.fromFlash(model);
        NameAndState filter = NameAndState.of(q, state, PEOPLE_STATES).orElseGet(() -> {
            model.addAttribute("filterError", "Choose the state from its list, and at most " + NameAndState.MAX_NAME + " characters of an email.");
            return NameAndState.none();
        });
        List<UserService.UserView> members = users.members();
        // counted over every member, not the page: the only owner is offered no role change whatever is shown
        model.addAttribute("owners", members.stream().filter(u -> u.role() == Role.OWNER).count());
        List<UserService.UserView> chosen = members.stream()
                .filter(u -> filter.matches(u.email(), u.status().toLowerCase(Locale.ROOT))).toList();
        model.addAttribute("filter", filter);
        model.addAttribute("states", PEOPLE_STATES);
        // each list's links keep the filters and the other list's page (a number, or nothing: never what else was sent)
        Map<String, String> keepInvitations = new LinkedHashMap<>(filter.query());
        keepInvitations.put("invitationsPage", ListPage.number(invitationsPage));
        Map<String, String> keepMembers = new LinkedHashMap<>(filter.query());
        keepMembers.put("page", ListPage.number(page));
        model.addAttribute("users", ListPage.of(chosen, page, "/console/users", keepInvitations));
        model.addAttribute("invitations", ListPage.of(invitations.pending().stream().filter(i -> filter.matches(i.email(), "invited")).toList(),
                invitationsPage, "/console/users", keepMembers, "invitationsPage"));
        model.addAttribute("roles", Role.values());
        return "users";
    }

    /**
     * Invites someone. A refusal comes back to the invite form, next to the field at fault, with what was typed:
     * a member or a pending invitation is about the email ("… is already a member of this organisation"); for a
     * pending invitation the page offers to send it again.
     */
    @PostMapping("/console/users/invite")
    String invite(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String email,
                  @RequestParam(defaultValue = "") String role, RedirectAttributes flash) {
        try {
            flash.addFlashAttribute("notice", "Invitation sent to " + invitations.invite(principal, email, parseRole(role)).email() + ".");
        } catch (ApiProblem problem) {
            FormError error = FormError.of(problem, "email", "role");
            if ("invitation_pending".equals(problem.code())) {
                error = error.on("email");
                invitations.pendingFor(email).ifPresent(pending -> {
                    flash.addFlashAttribute("resendId", pending.id().toString());
                    flash.addFlashAttribute("resendEmail", pending.email());
                });
            } else if ("email_taken".equals(problem.code())) {
                error = error.on("email");
            } else if (problem.status().value() == 403) {
                error = error.on("role"); // only an owner may invite an owner
            }
            error.flash(flash);
            flash.addFlashAttribute("inviteEmail", email.length() > 254 ? email.substring(0, 254) : email);
            if (java.util.Arrays.stream(Role.values()).anyMatch(r -> r.name().equals(role))) {
                flash.addFlashAttribute("inviteRole", role);
            }
        }
        return "redirect:/console/users";
    }

    /** A new link for a pending invitation (expired or not): the old one stops working. */
    @PostMapping("/console/invitations/{id}/resend")
    String resendInvitation(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, () -> "A new invitation is on its way to " + invitations.resend(principal, Ids.fromPath(id)).email()
                + ". The earlier link no longer works; the new one works for 72 hours.");
    }

    @PostMapping("/console/invitations/{id}/cancel")
    String cancelInvitation(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, () -> "The invitation to " + invitations.cancel(principal, Ids.fromPath(id)) + " is cancelled. Its link no longer works.");
    }

    @PostMapping("/console/users/{id}/role")
    String changeRole(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id,
                      @RequestParam(defaultValue = "") String role, RedirectAttributes flash) {
        return act(flash, () -> {
            UserService.UserView changed = users.changeRole(principal, Ids.fromPath(id), parseRole(role));
            return changed.email() + " is now " + changed.role().label() + ".";
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

    /** Step 1 of accepting: the code (js/fragment-token.js moves it from the link's fragment and goes on). */
    @GetMapping("/invitations/accept")
    String acceptForm() {
        return "accept-invitation";
    }

    /**
     * Step 2 (the code only): what the invitation is for (organisation, role, address, who sent it) and the
     * password form. Step 3 (with a password): accepts. Any link that does not work (expired, cancelled, used,
     * mistyped) gets one page saying so and to ask for a new invitation. The code is never written into a
     * page: the browser keeps it for the next step.
     */
    @PostMapping("/invitations/accept")
    String accept(@RequestParam(defaultValue = "") String token, @RequestParam(required = false) String password, Model model) {
        Secret code = Secret.of(token.strip());
        try {
            model.addAttribute("invitation", invitations.details(code));
        } catch (ApiProblem problem) {
            if (!"token".equals(problem.field())) {
                throw problem;
            }
            model.addAttribute("invalidLink", true);
            return "accept-invitation";
        }
        if (password == null) {
            return "accept-invitation";
        }
        try {
            invitations.accept(code, Secret.of(password));
            return "redirect:/login?accepted";
        } catch (ApiProblem problem) {
            if ("token".equals(problem.field())) {
                model.addAttribute("invalidLink", true); // used or cancelled a moment ago
            } else {
                model.addAttribute("formError", FormError.of(problem, "password"));
            }
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
