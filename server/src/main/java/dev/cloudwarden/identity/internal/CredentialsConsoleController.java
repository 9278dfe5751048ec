package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.FormError;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TokenScope;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Console pages for the signed-in user's sessions and personal access tokens (CSRF-protected forms). */
@Controller
class CredentialsConsoleController {

    /** Expiry choices offered by the form, in days; the API accepts any instant within the limit. */
    static final List<Integer> EXPIRY_DAYS = List.of(7, 30, 90, 365);

    private final CredentialsService credentials;

    CredentialsConsoleController(CredentialsService credentials) {
        this.credentials = credentials;
    }

    /** The kinds of session, as the sessions filter offers them: its values are {@link CredentialsService.Kind}'s. */
    static final List<String> SESSION_KINDS = List.of("console", "api");

    /** The user's sessions, narrowed by a part of the device and a kind when chosen, a page at a time. */
    @GetMapping("/console/sessions")
    String sessions(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String q,
                    @RequestParam(defaultValue = "") String state, @RequestParam(required = false) String page,
                    HttpServletRequest request, Model model) {
        NameAndState filter = NameAndState.of(q, state, SESSION_KINDS).orElseGet(() -> {
            model.addAttribute("filterError", "Choose the kind from its list, and at most " + NameAndState.MAX_NAME + " characters of a device.");
            return NameAndState.none();
        });
        // this session first, then the others, oldest first
        List<CredentialsService.SessionView> sessions = credentials.sessions(principal, currentSessionId(request)).stream()
                .sorted(Comparator.comparing(s -> !s.current())).toList();
        // counted over all of them, not the page: "sign out everywhere else" ends every other one
        model.addAttribute("otherSessions", sessions.stream().filter(s -> !s.current()).count());
        model.addAttribute("filter", filter);
        model.addAttribute("states", SESSION_KINDS);
        model.addAttribute("stateLabels", Map.of("console", "Browser", "api", "API"));
        model.addAttribute("stateTitle", "Kind");
        model.addAttribute("sessions", ListPage.of(sessions.stream().filter(s -> filter.matches(s.device(), s.kind().name())).toList(),
                page, "/console/sessions", filter.query()));
        return "sessions";
    }

    /** "Sign out everywhere else": every other session of the user ends; the notice says how many. */
    @PostMapping("/console/sessions/others/revoke")
    String revokeOtherSessions(@AuthenticationPrincipal CloudwardenPrincipal principal, HttpServletRequest request,
                               RedirectAttributes flash) {
        int ended = credentials.endOtherSessions(principal, currentSessionId(request));
        flash.addFlashAttribute("notice", switch (ended) {
            case 0 -> "There was no other session: nothing ended.";
            case 1 -> "Signed out everywhere else: 1 other session ended.";
            default -> "Signed out everywhere else: " + ended + " other sessions ended.";
        });
        return "redirect:/console/sessions";
    }

    @PostMapping("/console/sessions/{id}/revoke")
    String revokeSession(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id, HttpServletRequest request) {
        UUID sessionId;
        try {
            sessionId = Ids.fromPath(id);
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

    /** The user's live tokens, narrowed by a part of the name when asked, a page at a time. */
    @GetMapping("/console/tokens")
    String tokens(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String q,
                  @RequestParam(required = false) String page, Model model) {
        NameAndState filter = NameAndState.of(q, "", List.of()).orElseGet(() -> {
            model.addAttribute("filterError", "Type at most " + NameAndState.MAX_NAME + " characters of a token's name.");
            return NameAndState.none();
        });
        return tokensPage(principal, filter, page, model);
    }

    /** Shows the new token in the response itself: never in a redirect, a URL or the session. */
    @PostMapping("/console/tokens")
    String createToken(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestParam(defaultValue = "") String name,
                       @RequestParam(required = false) List<String> scopes, @RequestParam(defaultValue = "") String expiresInDays,
                       Model model) {
        try {
            Instant expiresAt = expiry(expiresInDays);
            CredentialsService.CreatedToken created = credentials.createToken(principal, name, scopes, expiresAt);
            model.addAttribute("created", created.token());
            model.addAttribute("createdValue", created.value().reveal());
        } catch (ApiProblem problem) {
            model.addAttribute("formError", FormError.of(problem, "name"));
            model.addAttribute("name", name);
        }
        return tokensPage(principal, NameAndState.none(), null, model);
    }

    @PostMapping("/console/tokens/{id}/revoke")
    String revokeToken(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        try {
            credentials.revokeToken(principal, Ids.fromPath(id));
            return "redirect:/console/tokens?revoked";
        } catch (ApiProblem notFound) {
            return "redirect:/console/tokens?notFound";
        }
    }

    private String tokensPage(CloudwardenPrincipal principal, NameAndState filter, String page, Model model) {
        List<CredentialsService.TokenView> tokens = credentials.tokens(principal);
        model.addAttribute("filter", filter);
        model.addAttribute("states", List.of());
        model.addAttribute("anyTokens", !tokens.isEmpty());
        model.addAttribute("tokens", ListPage.of(tokens.stream().filter(t -> filter.matches(t.name(), "")).toList(),
                page, "/console/tokens", filter.query()));
        model.addAttribute("scopes", TokenScope.values());
        model.addAttribute("expiryDays", EXPIRY_DAYS.stream()
                .filter(d -> Duration.ofDays(d).compareTo(credentials.maxTokenLifetime()) <= 0).toList());
        return "tokens";
    }

    private static Instant expiry(String days) {
        try {
            int value = Integer.parseInt(days);
            if (value > 0 && value <= 366) {
                return Instant.now().plus(value, ChronoUnit.DAYS);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiProblem.invalid("expiresAt", "choose when the token expires");
    }

    private static String currentSessionId(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session == null ? null : session.getId();
    }
}
