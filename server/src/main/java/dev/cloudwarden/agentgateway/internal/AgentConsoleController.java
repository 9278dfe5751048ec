package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.agent.AgentCommand;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.common.NameAndState;
import java.util.List;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The console's agents page: the organisation's agents, an enrolment token (shown once), commands, revocation. */
@Controller
class AgentConsoleController {

    static final List<String> STATES = List.of("online", "stale", "revoked");

    private final Agents agents;
    private final AgentCommands commands;
    private final CloudwardenProperties platform;

    AgentConsoleController(Agents agents, AgentCommands commands, CloudwardenProperties platform) {
        this.agents = agents;
        this.commands = commands;
        this.platform = platform;
    }

    /** The agents, narrowed by a part of the host name and a state when chosen, a page at a time. */
    @GetMapping("/console/agents")
    String page(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "") String state,
                @RequestParam(required = false) String page, Model model) {
        NameAndState filter = NameAndState.of(q, state, STATES).orElseGet(() -> {
            model.addAttribute("filterError", "Choose the state from its list, and at most " + NameAndState.MAX_NAME + " characters of a name.");
            return NameAndState.none();
        });
        List<Agents.AgentView> chosen = agents.list().stream().filter(a -> filter.matches(a.hostname(), a.status())).toList();
        model.addAttribute("filter", filter);
        model.addAttribute("states", STATES);
        model.addAttribute("agents", ListPage.of(chosen, page, "/console/agents", filter.query()));
        model.addAttribute("server", platform.publicUrl());
        return "agents";
    }

    /** The token is rendered in the answer to this POST only, never stored in the session or a redirect. */
    @PostMapping("/console/agents/enrollment-tokens")
    String createToken(@AuthenticationPrincipal CloudwardenPrincipal user, Model model) {
        Agents.Issued issued = agents.createToken(user.userId());
        model.addAttribute("token", issued.token().reveal());
        model.addAttribute("tokenExpiresAt", issued.expiresAt());
        return page("", "", null, model);
    }

    /** A command to one agent; a bad one comes back as the field's message, the page otherwise unchanged. */
    @PostMapping("/console/agents/{id}/commands")
    String command(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id, @RequestParam(required = false) String type,
                   @RequestParam(required = false) Integer intervalSeconds, RedirectAttributes flash) {
        try {
            commands.issue(Ids.fromPath(id), user.userId(), type,
                    AgentCommand.UPDATE_INTERVAL.equals(type) ? intervalSeconds : null);
            flash.addFlashAttribute("notice", "Command sent: the agent carries it out at its next heartbeat, within "
                    + AgentCommands.LIFETIME.toMinutes() + " minutes, or it expires.");
        } catch (ApiProblem problem) {
            if (problem.status() == HttpStatus.NOT_FOUND) {
                throw problem;
            }
            flash.addFlashAttribute("notice", "Not sent: " + problem.forPeople());
        }
        return "redirect:/console/agents";
    }

    @PostMapping("/console/agents/{id}/revoke")
    String revoke(@PathVariable String id, RedirectAttributes flash) {
        agents.revoke(Ids.fromPath(id));
        flash.addFlashAttribute("notice", "The agent is revoked: its next request is refused. To use that host again, enrol it anew.");
        return "redirect:/console/agents";
    }
}
