package dev.cloudwarden.identity;

import dev.cloudwarden.common.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/** Console page for the signed-in user's sessions (CSRF-protected forms). */
@Controller
class CredentialsConsoleController {

    private final CredentialsService credentials;

    CredentialsConsoleController(CredentialsService credentials) {
        this.credentials = credentials;
    }

    @GetMapping("/console/sessions")
    String sessions(@AuthenticationPrincipal CloudwardenPrincipal principal, HttpServletRequest request, Model model) {
        model.addAttribute("sessions", credentials.sessions(principal, currentSessionId(request)));
        return "sessions";
    }

    @PostMapping("/console/sessions/{id}/revoke")
    String revokeSession(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, HttpServletRequest request) {
        UUID sessionId;
        try {
            sessionId = IdentityApiController.parseId(id);
        } catch (ApiProblem notFound) {
            return "redirect:/console/sessions?notFound";
        }
        boolean current = credentials.sessions(principal, currentSessionId(request)).stream()
                .anyMatch(s -> s.current() && s.id().equals(sessionId));
        try {
            credentials.revokeSession(principal, sessionId);
        } catch (ApiProblem notFound) {
            return "redirect:/console/sessions?notFound";
        }
        if (current) {
            // the row is gone; end the request's session too so nothing writes to it again
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            SecurityContextHolder.clearContext();
            return "redirect:/login?signedOut";
        }
        return "redirect:/console/sessions?revoked";
    }

    private static String currentSessionId(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session == null ? null : session.getId();
    }
}
