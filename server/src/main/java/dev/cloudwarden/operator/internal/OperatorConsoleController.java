package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.mfa.OneTimeCodes;
import dev.cloudwarden.operator.AccessScope;
import dev.cloudwarden.operator.OperatorRole;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Arrays;
import java.util.List;
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
 * The operators' console under {@code /ops}: sign-in (password and code, every time), enrolment from the
 * link {@code operator create} printed, the dashboard (tenants' metadata, how many platform
 * administrators there are, lifecycle and key actions), the access-request queue, reads under a grant and
 * the purge tombstones. The same services as the operators' API.
 */
@Controller
class OperatorConsoleController {

    private final OperatorSessions sessions;
    private final Operators operators;
    private final OperatorActions actions;
    private final AccessRequests requests;
    private final SupportViews views;
    private final OperatorSettings settings;

    OperatorConsoleController(OperatorSessions sessions, Operators operators, OperatorActions actions, AccessRequests requests,
                              SupportViews views, OperatorSettings settings) {
        this.sessions = sessions;
        this.operators = operators;
        this.actions = actions;
        this.requests = requests;
        this.views = views;
        this.settings = settings;
    }

    @GetMapping("/ops/login")
    String login(@AuthenticationPrincipal OperatorPrincipal operator) {
        return operator == null ? "ops/login" : "redirect:/ops";
    }

    @PostMapping("/ops/login")
    String signIn(@RequestParam(required = false) String email, @RequestParam(required = false) String password,
                  @RequestParam(required = false) String otp, Model model, HttpServletResponse response) {
        try {
            OperatorSessions.Issued issued = sessions.signIn(email, password == null ? null : Secret.of(password), otp, "console");
            OperatorWebParts.setCookie(response, issued.token(), settings.sessionLifetime());
            return "redirect:/ops";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.forPeople());
            model.addAttribute("email", email);
            response.setStatus(problem.status().value());
            return "ops/login";
        }
    }

    @PostMapping("/ops/logout")
    String signOut(@AuthenticationPrincipal OperatorPrincipal operator, HttpServletResponse response) {
        sessions.signOut(operator);
        OperatorWebParts.clearCookie(response);
        return "redirect:/ops/login?signedOut";
    }

    @GetMapping("/ops/enrol")
    String enrol() {
        return "ops/enrol";
    }

    /** Step one: the link's token shows a new TOTP secret (as a QR code and as text). */
    @PostMapping("/ops/enrol/offer")
    String offer(@RequestParam(required = false) String token, Model model, HttpServletResponse response) {
        try {
            OneTimeCodes.Offer offer = operators.offer(token == null ? null : Secret.of(token));
            model.addAttribute("offer", offer);
            model.addAttribute("secretText", offer.secret().reveal());
            model.addAttribute("token", token);
            return "ops/enrol";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.forPeople());
            response.setStatus(problem.status().value());
            return "ops/enrol";
        }
    }

    /** Step two: a password and a code from the secret on offer complete the account. */
    @PostMapping("/ops/enrol")
    String complete(@RequestParam(required = false) String token, @RequestParam(required = false) String password,
                    @RequestParam(required = false) String code, Model model, HttpServletResponse response) {
        try {
            operators.enrol(token == null ? null : Secret.of(token), password == null ? null : Secret.of(password), code);
            return "redirect:/ops/login?enrolled";
        } catch (ApiProblem problem) {
            model.addAttribute("error", problem.forPeople());
            model.addAttribute("token", token);
            response.setStatus(problem.status().value());
            return "ops/enrol";
        }
    }

    @GetMapping("/ops")
    String dashboard(@AuthenticationPrincipal OperatorPrincipal operator, Model model) {
        model.addAttribute("operator", operator);
        model.addAttribute("admin", operator.role() == OperatorRole.PLATFORM_ADMIN);
        model.addAttribute("platformAdmins", operators.countActive(OperatorRole.PLATFORM_ADMIN));
        model.addAttribute("tenants", actions.tenants());
        return "ops/dashboard";
    }

    @GetMapping("/ops/tombstones")
    String tombstones(Model model) {
        model.addAttribute("tombstones", actions.tombstones());
        return "ops/tombstones";
    }

    @PostMapping("/ops/tenants/{tenantId}/terminate")
    String terminate(@PathVariable String tenantId, @RequestParam(required = false) Integer retentionDays, RedirectAttributes flash) {
        return act(flash, "/ops", () -> {
            var s = actions.terminate(Ids.fromPath(tenantId), retentionDays);
            return "Tenant terminated; its data is kept until " + s.purgeAfter() + ".";
        });
    }

    @PostMapping("/ops/tenants/{tenantId}/renew")
    String renew(@PathVariable String tenantId, RedirectAttributes flash) {
        return act(flash, "/ops", () -> {
            actions.renew(Ids.fromPath(tenantId));
            return "Tenant renewed.";
        });
    }

    @PostMapping("/ops/tenants/{tenantId}/keys/rotate")
    String rotate(@PathVariable String tenantId, RedirectAttributes flash) {
        return act(flash, "/ops", () -> {
            actions.rotateDataKey(Ids.fromPath(tenantId));
            return "The tenant's data key was rotated; its values are being re-encrypted in the background.";
        });
    }

    @PostMapping("/ops/keys/rewrap")
    String rewrap(RedirectAttributes flash) {
        return act(flash, "/ops", () -> "Re-wrapped " + actions.rewrapUnderCurrentKek() + " tenant keysets under the current KEK.");
    }

    @GetMapping("/ops/access-requests")
    String queue(@AuthenticationPrincipal OperatorPrincipal operator, Model model) {
        model.addAttribute("operator", operator);
        model.addAttribute("admin", operator.role() == OperatorRole.PLATFORM_ADMIN);
        model.addAttribute("requests", requests.queue(200));
        model.addAttribute("tenants", actions.tenants().stream().filter(t -> t.status().equals("ACTIVE")).toList());
        model.addAttribute("scopes", Arrays.stream(AccessScope.values()).map(AccessScope::value).toList());
        model.addAttribute("maxMinutes", settings.maxGrant().toMinutes());
        return "ops/access-requests";
    }

    @PostMapping("/ops/access-requests")
    String request(@AuthenticationPrincipal OperatorPrincipal operator, @RequestParam(required = false) String tenantId,
                   @RequestParam(required = false) List<String> scopes, @RequestParam(required = false) String reason,
                   @RequestParam(required = false) String ticket, @RequestParam(required = false) String durationMinutes,
                   RedirectAttributes flash) {
        return act(flash, "/ops/access-requests", () -> {
            Integer minutes = minutes(durationMinutes);
            AccessRequests.Request r = requests.request(operator.operatorId(), tenantId, scopes, reason, ticket, minutes);
            return "Requested (" + r.ticket() + "): another platform administrator must approve"
                    + (r.customerApproval() ? ", and the tenant too (customer approval is on)." : ".");
        });
    }

    @PostMapping("/ops/access-requests/{id}/approve")
    String approve(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, "/ops/access-requests", () -> {
            AccessRequests.Request after = requests.decide(Ids.fromPath(id), AccessRequests.Step.APPROVE, OperatorApiController.by(operator));
            return after.status().equals("ACTIVE") ? "Approved: the grant is active until " + after.expiresAt() + "."
                    : "Approved: it waits for the tenant's own approval (customer approval is on).";
        });
    }

    @PostMapping("/ops/access-requests/{id}/deny")
    String deny(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, "/ops/access-requests", () -> {
            requests.decide(Ids.fromPath(id), AccessRequests.Step.DENY, OperatorApiController.by(operator));
            return "Denied.";
        });
    }

    @PostMapping("/ops/access-requests/{id}/revoke")
    String revoke(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return act(flash, "/ops/access-requests", () -> {
            requests.decide(Ids.fromPath(id), AccessRequests.Step.REVOKE, OperatorApiController.by(operator));
            return "Revoked.";
        });
    }

    @GetMapping("/ops/tenants/{tenantId}/users")
    String users(HttpServletRequest request, Model model) {
        return granted(request, model);
    }

    @GetMapping("/ops/tenants/{tenantId}/cloud-accounts")
    String cloudAccounts(HttpServletRequest request, Model model) {
        return granted(request, model);
    }

    @GetMapping("/ops/tenants/{tenantId}/jobs")
    String jobs(HttpServletRequest request, Model model) {
        return granted(request, model);
    }

    @GetMapping("/ops/tenants/{tenantId}/activity")
    String activity(HttpServletRequest request, Model model) {
        return granted(request, model);
    }

    private String granted(HttpServletRequest request, Model model) {
        OperatorWebParts.CheckedGrant checked = (OperatorWebParts.CheckedGrant) request.getAttribute(OperatorWebParts.GRANT);
        if (checked == null) {
            throw ApiProblem.notFound();
        }
        model.addAttribute("grant", checked.grant());
        model.addAttribute("view", views.read(checked.read().scope(), checked.grant().id()));
        return "ops/granted-view";
    }

    private static Integer minutes(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("durationMinutes", "must be a whole number of minutes");
        }
    }

    /** A form's action: its notice, or its error, on the page it came from. */
    private static String act(RedirectAttributes flash, String page, Supplier<String> action) {
        try {
            flash.addFlashAttribute("notice", action.get());
        } catch (ApiProblem problem) {
            flash.addFlashAttribute("error", problem.forPeople());
        }
        return "redirect:" + page;
    }
}
