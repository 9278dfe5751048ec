package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 * Operators triage vulnerability reports, in their API and their console: the list (no text), one report
 * decrypted with the platform's keys, and its status (new, triaged, fixed, not applicable), each change
 * recorded in the platform's history with the operator as actor.
 */
@Controller
class SecurityReportTriageController {

    /** A report's states, as the filter offers them (the statuses' names in small letters). */
    static final List<String> STATES = Arrays.stream(SecurityReports.Status.values()).map(st -> st.name().toLowerCase(Locale.ROOT)).toList();

    private final SecurityReports reports;

    SecurityReportTriageController(SecurityReports reports) {
        this.reports = reports;
    }

    record StatusChange(String status) {
    }

    @GetMapping(path = "/ops/api/v1/security-reports", produces = "application/json")
    @ResponseBody
    List<SecurityReports.Summary> list(@RequestParam(required = false) String status) {
        return reports.list(status);
    }

    @GetMapping(path = "/ops/api/v1/security-reports/{id}", produces = "application/json")
    @ResponseBody
    SecurityReports.Report read(@PathVariable String id) {
        return reports.read(Ids.fromPath(id));
    }

    @PatchMapping(path = "/ops/api/v1/security-reports/{id}", consumes = "application/json", produces = "application/json")
    @ResponseBody
    SecurityReports.Report change(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id, @RequestBody StatusChange body) {
        if (body == null || body.status() == null || body.status().isBlank()) {
            throw ApiProblem.invalid("status", "is required: TRIAGED, FIXED or NOT_APPLICABLE");
        }
        java.util.UUID report = Ids.fromPath(id);
        reports.triage(report, SecurityReports.status(body.status().strip()), operator.operatorId());
        return reports.read(report);
    }

    /**
     * Every report, newest first, narrowed by a part of its reference and a state when chosen, a page at a time. Not
     * by its title: that is encrypted, and listing decrypts nothing (a read of one report is recorded, a list is not).
     */
    @GetMapping("/ops/security-reports")
    String page(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String state,
                @RequestParam(required = false) String page, Model model) {
        NameAndState filter = OperatorConsoleController.filter(q, state, STATES, "a reference", model);
        SecurityReports.Status status = filter.state().isEmpty() ? null : SecurityReports.status(filter.state().toUpperCase(Locale.ROOT));
        model.addAttribute("filter", filter);
        model.addAttribute("states", STATES);
        model.addAttribute("stateLabels", Map.of("not_applicable", "Not applicable"));
        model.addAttribute("reports", ListPage.read(page, reports.count(filter.name(), status),
                (limit, offset) -> reports.page(filter.name(), status, limit, offset), "/ops/security-reports", filter.query()));
        return "ops/security-reports";
    }

    @GetMapping("/ops/security-reports/{id}")
    String report(@PathVariable String id, Model model) {
        model.addAttribute("report", reports.read(Ids.fromPath(id)));
        return "ops/security-report";
    }

    @PostMapping("/ops/security-reports/{id}/status")
    String changeFromConsole(@AuthenticationPrincipal OperatorPrincipal operator, @PathVariable String id,
                             @RequestParam(required = false) String status, RedirectAttributes flash) {
        java.util.UUID report = Ids.fromPath(id);
        try {
            reports.triage(report, SecurityReports.status(status == null ? "" : status.strip()), operator.operatorId());
            flash.addFlashAttribute("notice", "Status changed.");
        } catch (ApiProblem problem) {
            if (problem.status().value() == 404) {
                throw problem;
            }
            flash.addFlashAttribute("error", problem.forPeople());
        }
        return "redirect:/ops/security-reports/" + report;
    }
}
