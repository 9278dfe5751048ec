package dev.cloudwarden.operator.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The public report form: anyone, signed in or not. The answer to a good report is the page with its
 * reference (rendered, not redirected, so the reference is kept in no session); a bad one shows the
 * form again with the error next to its field and what was typed, so nothing is lost.
 */
@Controller
class SecurityReportConsoleController {

    private final SecurityReports reports;

    SecurityReportConsoleController(SecurityReports reports) {
        this.reports = reports;
    }

    /** What was typed, shown again after an error. */
    record Form(String title, String description, String contact) {
        static final Form EMPTY = new Form("", "", "");

        @Override
        public String toString() {
            return "Form[REDACTED]";
        }
    }

    @GetMapping("/security/report")
    String form(Model model) {
        model.addAttribute("form", Form.EMPTY);
        return "security-report";
    }

    @PostMapping("/security/report")
    String submit(@RequestParam(defaultValue = "") String title, @RequestParam(defaultValue = "") String description,
                  @RequestParam(defaultValue = "") String contact, Model model) {
        try {
            model.addAttribute("reference", reports.submit(title, description, contact).reference());
            model.addAttribute("form", Form.EMPTY);
        } catch (ApiProblem problem) {
            if (problem.field() == null) {
                throw problem;
            }
            model.addAttribute("formError", FormError.of(problem, "title", "description", "contact"));
            model.addAttribute("form", new Form(title, description, contact));
        }
        return "security-report";
    }
}
