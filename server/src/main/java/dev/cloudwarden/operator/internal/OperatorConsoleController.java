package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.ConsoleTimes;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.mfa.OneTimeCodes;
import dev.cloudwarden.operator.OperatorRole;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
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
 * The operators' console under {@code /ops}: sign-in (password and code, every time), enrolment from the
 * link {@code operator create} printed, the dashboard (tenants' metadata, how many platform
 * administrators there are, lifecycle and key actions), reads under a grant and the purge tombstones. The
 * access-request queue is {@link AccessRequestConsoleController}'s. The same services as the operators' API.
 */
@Controller
class OperatorConsoleController {

    /** A tenant's states, as the filter offers them (the database writes them in capitals). */
    static final List<String> TENANT_STATES = List.of("active", "terminated");

    private final OperatorSessions sessions;
    private final Operators operators;
    private final OperatorActions actions;
    private final SupportViews views;
    private final OperatorSettings settings;
    private final ConsoleTimes times;

    OperatorConsoleController(OperatorSessions sessions, Operators operators, OperatorActions actions, SupportViews views,
                              OperatorSettings settings, ConsoleTimes times) {
        this.sessions = sessions;
        this.operators = operators;
        this.actions = actions;
        this.views = views;
        this.settings = settings;
        this.times = times;
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
            // a wrong email, password or code names no field (one answer for all three): that stays above the form;
            // only a field left empty is named, and marked
            model.addAttribute("formError", FormError.of(problem, "email", "password", "otp"));
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
            model.addAttribute("formError", FormError.of(problem, "token"));
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
            // the link's code is a hidden field of this step: a link that no longer works is said above the form
            model.addAttribute("formError", FormError.of(problem, "password", "code"));
            model.addAttribute("token", token);
            model.addAttribute("secondStep", true);
            response.setStatus(problem.status().value());
            return "ops/enrol";
        }
    }

    /** Every tenant, newest first, narrowed by a part of its id and a state when chosen, a page at a time. */
    @GetMapping("/ops")
    String dashboard(@AuthenticationPrincipal OperatorPrincipal operator, @RequestParam(defaultValue = "") String q,
                     @RequestParam(defaultValue = "") String state, @RequestParam(required = false) String page, Model model) {
        NameAndState filter = filter(q, state, TENANT_STATES, "a tenant id", model);
        String status = filter.state().toUpperCase(Locale.ROOT);
        model.addAttribute("operator", operator);
        model.addAttribute("admin", operator.role() == OperatorRole.PLATFORM_ADMIN);
        model.addAttribute("platformAdmins", operators.countActive(OperatorRole.PLATFORM_ADMIN));
        model.addAttribute("filter", filter);
        model.addAttribute("states", TENANT_STATES);
        model.addAttribute("tenants", ListPage.read(page, actions.countTenants(filter.name(), status),
                (limit, offset) -> actions.tenants(filter.name(), status, limit, offset), "/ops", filter.query()));
        return "ops/dashboard";
    }

    /** The purged tenants' tombstones, newest first, narrowed by a part of the tenant's id, a page at a time. */
    @GetMapping("/ops/tombstones")
    String tombstones(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String state,
                      @RequestParam(required = false) String page, Model model) {
        // no states: a tombstone is one thing; any state asked for is a bad filter
        NameAndState filter = filter(q, state, List.of(), "a tenant id", model);
        model.addAttribute("filter", filter);
        model.addAttribute("states", List.of());
        model.addAttribute("tombstones", ListPage.read(page, actions.countTombstones(filter.name()),
                (limit, offset) -> actions.tombstones(filter.name(), limit, offset), "/ops/tombstones", filter.query()));
        return "ops/tombstones";
    }

    /**
     * The filters of an operators' list, or none when they are not among the choices: the page then says so in our words
     * ({@code what}: what the text filter is a part of), and echoes nothing of the bad value.
     */
    static NameAndState filter(String q, String state, List<String> states, String what, Model model) {
        return NameAndState.of(q, state, states).orElseGet(() -> {
            model.addAttribute("filterError", (states.isEmpty() ? "Type" : "Choose the state from its list, and type")
                    + " at most " + NameAndState.MAX_NAME + " characters of " + what + ".");
            return NameAndState.none();
        });
    }

    @PostMapping("/ops/tenants/{tenantId}/terminate")
    String terminate(@PathVariable String tenantId, @RequestParam(required = false) Integer retentionDays, RedirectAttributes flash) {
        return act(flash, "/ops", () -> {
            var s = actions.terminate(Ids.fromPath(tenantId), retentionDays);
            return "Tenant terminated; its data is kept until " + times.text(s.purgeAfter()) + ".";
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

    /** A form's action: its notice, or its error, on the page it came from. */
    static String act(RedirectAttributes flash, String page, Supplier<String> action) {
        try {
            flash.addFlashAttribute("notice", action.get());
        } catch (ApiProblem problem) {
            flash.addFlashAttribute("error", problem.forPeople());
        }
        return "redirect:" + page;
    }
}
