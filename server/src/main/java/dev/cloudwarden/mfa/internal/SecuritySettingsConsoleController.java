package dev.cloudwarden.mfa.internal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The console page for the tenant's security settings: OWNER and ADMIN only (SecurityConfiguration). */
@Controller
class SecuritySettingsConsoleController {

    private final MfaService mfa;

    SecuritySettingsConsoleController(MfaService mfa) {
        this.mfa = mfa;
    }

    @GetMapping("/console/settings")
    String settings(Model model) {
        model.addAttribute("mfaRequired", mfa.tenantRequiresMfa());
        return "settings";
    }

    /** A checkbox sends its value only when ticked: absent means off. */
    @PostMapping("/console/settings")
    String change(@RequestParam(name = "mfaRequired", required = false) String mfaRequired, RedirectAttributes flash) {
        boolean required = "on".equals(mfaRequired);
        mfa.setTenantRequiresMfa(required);
        flash.addFlashAttribute("notice", required
                ? "MFA is now required for everyone. People without it are asked to enrol before anything else."
                : "MFA is no longer required.");
        return "redirect:/console/settings";
    }
}
