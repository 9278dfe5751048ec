package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.ConsoleTimes;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import dev.cloudwarden.operator.AccessScope;
import dev.cloudwarden.operator.OperatorRole;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The operators' access requests in their console: the form to ask for a grant and the queue of every tenant's
 * requests (filtered by ticket or reason and state, a page at a time), with the approvals, denials and revocations.
 * The same {@link AccessRequests} as the operators' API.
 */
@Controller
class AccessRequestConsoleController {

    /** The form's fields, as the refusal names them. */
    private static final String[] FIELDS = {"tenantId", "scopes", "reason", "ticket", "durationMinutes"};

    /**
     * What was typed into the request form, shown again after a refusal. Nothing in it is secret: the tenant reads
     * the reason and ticket too.
     */
    record RequestForm(String tenantId, List<String> scopes, String reason, String ticket, String durationMinutes) {

        /** An empty form; {@code tenantId} filled in when it is a tenant's id (the dashboard's "Request access"). */
        static RequestForm forTenant(String tenantId) {
            String id = "";
            if (tenantId != null) {
                try {
                    id = Ids.parse(tenantId, ApiProblem::notFound).toString();
                } catch (ApiProblem notAnId) {
                    // a link's parameter, not typed by the reader: nothing of it is shown
                }
            }
            return new RequestForm(id, List.of(), "", "", "60");
        }
    }

    private final AccessRequests requests;
    private final OperatorSettings settings;
    private final ConsoleTimes times;

    AccessRequestConsoleController(AccessRequests requests, OperatorSettings settings, ConsoleTimes times) {
        this.requests = requests;
        this.settings = settings;
        this.times = times;
    }

    @GetMapping("/ops/access-requests")
    String queue(@AuthenticationPrincipal OperatorPrincipal operator, @RequestParam(defaultValue = "") String q,
                 @RequestParam(defaultValue = "") String state, @RequestParam(required = false) String page,
                 @RequestParam(required = false) String tenantId, Model model) {
        model.addAttribute("form", RequestForm.forTenant(tenantId));
        return page(operator, q, state, page, model);
    }

    /** A refusal shows the page again, with the sentence at its field, what was typed, and the refusal's status. */
    @PostMapping("/ops/access-requests")
    String request(@AuthenticationPrincipal OperatorPrincipal operator, @RequestParam(required = false) String tenantId,
                   @RequestParam(required = false) List<String> scopes, @RequestParam(required = false) String reason,
                   @RequestParam(required = false) String ticket, @RequestParam(required = false) String durationMinutes,
                   Model model, HttpServletResponse response, RedirectAttributes flash) {
        try {
            AccessRequests.Request r = requests.request(operator.operatorId(), tenantId, scopes, reason, ticket, minutes(durationMinutes));
            flash.addFlashAttribute("notice", "Requested (" + r.ticket() + "): another platform administrator must approve"
                    + (r.customerApproval() ? ", and the tenant too (customer approval is on)." : "."));
            return "redirect:/ops/access-requests";
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, FIELDS));
            model.addAttribute("form", new RequestForm(tenantId, scopes == null ? List.of() : scopes, reason, ticket, durationMinutes));
            response.setStatus(problem.status().value());
            return page(operator, "", "", null, model);
        }
    }

    @PostMapping("/ops/access-requests/{id}/approve")
    String approve(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return OperatorConsoleController.act(flash, "/ops/access-requests", () -> {
            AccessRequests.Request after = requests.decide(Ids.fromPath(id), AccessRequests.Step.APPROVE, OperatorApiController.by(operator));
            return after.status().equals("ACTIVE") ? "Approved: the grant is active until " + times.text(after.expiresAt()) + "."
                    : "Approved: it waits for the tenant's own approval (customer approval is on).";
        });
    }

    @PostMapping("/ops/access-requests/{id}/deny")
    String deny(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return OperatorConsoleController.act(flash, "/ops/access-requests", () -> {
            requests.decide(Ids.fromPath(id), AccessRequests.Step.DENY, OperatorApiController.by(operator));
            return "Denied.";
        });
    }

    @PostMapping("/ops/access-requests/{id}/revoke")
    String revoke(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, RedirectAttributes flash) {
        return OperatorConsoleController.act(flash, "/ops/access-requests", () -> {
            requests.decide(Ids.fromPath(id), AccessRequests.Step.REVOKE, OperatorApiController.by(operator));
            return "Revoked.";
        });
    }

    /** The page: the form (as the model has it) and one page of every tenant's requests, newest first. */
    private String page(OperatorPrincipal operator, String q, String state, String page, Model model) {
        NameAndState filter = OperatorConsoleController.filter(q, state, PlatformAccessController.STATES, "a ticket or reason", model);
        String status = filter.state().toUpperCase(Locale.ROOT);
        model.addAttribute("operator", operator);
        model.addAttribute("admin", operator.role() == OperatorRole.PLATFORM_ADMIN);
        model.addAttribute("filter", filter);
        model.addAttribute("states", PlatformAccessController.STATES);
        model.addAttribute("requests", ListPage.read(page, requests.countQueue(filter.name(), status),
                (limit, offset) -> requests.queue(filter.name(), status, limit, offset), "/ops/access-requests", filter.query()));
        model.addAttribute("scopes", Arrays.stream(AccessScope.values()).map(AccessScope::value).toList());
        model.addAttribute("maxMinutes", settings.maxGrant().toMinutes());
        return "ops/access-requests";
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
}
