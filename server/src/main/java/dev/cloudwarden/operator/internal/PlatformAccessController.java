package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Platform access as the tenant sees it, in the API and the console: the operators' requests to read
 * its data (reason, ticket, scopes, duration, state), its own approval of them when customer approval
 * (the lockbox) is on, denial and revocation at any time, and the setting itself. The tenant is the
 * signed-in user's: a request of another tenant is not found.
 */
@Controller
class PlatformAccessController {

    static final List<String> STATES = List.of("pending", "active", "denied", "revoked", "expired");

    private final AccessRequests requests;

    PlatformAccessController(AccessRequests requests) {
        this.requests = requests;
    }

    record Setting(Boolean customerApprovalRequired) {
    }

    @GetMapping(path = "/api/v1/access-requests", produces = "application/json")
    @ResponseBody
    List<AccessRequests.Request> list() {
        return requests.ofTenant(200);
    }

    @PostMapping(path = "/api/v1/access-requests/{id}/approve", produces = "application/json")
    @ResponseBody
    AccessRequests.Request approve(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id) {
        return requests.approve(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId()));
    }

    @PostMapping(path = "/api/v1/access-requests/{id}/deny", produces = "application/json")
    @ResponseBody
    AccessRequests.Request deny(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id) {
        return requests.deny(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId()));
    }

    @PostMapping(path = "/api/v1/access-requests/{id}/revoke", produces = "application/json")
    @ResponseBody
    AccessRequests.Request revoke(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id) {
        return requests.revoke(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId()));
    }

    @GetMapping(path = "/api/v1/settings/platform-access", produces = "application/json")
    @ResponseBody
    Setting setting() {
        return new Setting(requests.customerApprovalRequired());
    }

    @PatchMapping(path = "/api/v1/settings/platform-access", consumes = "application/json", produces = "application/json")
    @ResponseBody
    Setting change(@RequestBody Setting setting) {
        if (setting == null || setting.customerApprovalRequired() == null) {
            throw ApiProblem.invalid("customerApprovalRequired", "is required: true or false");
        }
        requests.requireCustomerApproval(setting.customerApprovalRequired());
        return setting();
    }

    /** The newest requests, narrowed by a part of the reason and a state when chosen, a page at a time. */
    @GetMapping("/console/platform-access")
    String page(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String state,
                @RequestParam(required = false) String page, Model model) {
        NameAndState filter = NameAndState.of(q, state, STATES).orElseGet(() -> {
            model.addAttribute("filterError", "Choose the state from its list, and at most " + NameAndState.MAX_NAME + " characters of a reason.");
            return NameAndState.none();
        });
        model.addAttribute("filter", filter);
        model.addAttribute("states", STATES);
        model.addAttribute("requests", ListPage.read(page, requests.countOfTenant(filter.name(), filter.state()),
                (limit, offset) -> requests.ofTenant(filter.name(), filter.state(), limit, offset), "/console/platform-access", filter.query()));
        model.addAttribute("customerApprovalRequired", requests.customerApprovalRequired());
        return "platform-access";
    }

    /** A checkbox sends its value only when ticked: absent means off. */
    @PostMapping("/console/platform-access/settings")
    String changeFromConsole(@RequestParam(name = "customerApprovalRequired", required = false) String required, RedirectAttributes flash) {
        boolean on = "on".equals(required);
        requests.requireCustomerApproval(on);
        flash.addFlashAttribute("notice", on
                ? "Customer approval is on: no operator reads your data without the approval of an owner or admin of yours."
                : "Customer approval is off: a platform administrator's approval is enough; every access still shows here.");
        return "redirect:/console/platform-access";
    }

    @PostMapping("/console/platform-access/{id}/approve")
    String approveFromConsole(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id, RedirectAttributes flash) {
        return decide(flash, () -> requests.approve(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId())),
                "Approved.");
    }

    @PostMapping("/console/platform-access/{id}/deny")
    String denyFromConsole(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id, RedirectAttributes flash) {
        return decide(flash, () -> requests.deny(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId())), "Denied.");
    }

    @PostMapping("/console/platform-access/{id}/revoke")
    String revokeFromConsole(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id, RedirectAttributes flash) {
        return decide(flash, () -> requests.revoke(user.tenantId(), Ids.fromPath(id), new AccessRequests.ByCustomer(user.userId())),
                "Revoked: the operator's access has ended.");
    }

    private static String decide(RedirectAttributes flash, java.util.function.Supplier<AccessRequests.Request> decision, String done) {
        try {
            AccessRequests.Request r = decision.get();
            // the end of the grant is in its row, in the reader's zone; a notice is text and would show it in UTC
            flash.addFlashAttribute("notice", done + (r.status().equals("ACTIVE") ? " The grant is active now; its row says until when." : ""));
        } catch (ApiProblem problem) {
            if (problem.status().value() == 404) {
                throw problem;
            }
            flash.addFlashAttribute("error", problem.forPeople());
        }
        return "redirect:/console/platform-access";
    }

    static Map<String, String> states() {
        return Map.of("PENDING", "waiting for approval", "ACTIVE", "active", "DENIED", "denied", "REVOKED", "revoked", "EXPIRED", "expired");
    }
}
