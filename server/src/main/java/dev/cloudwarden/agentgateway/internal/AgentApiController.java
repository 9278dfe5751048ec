package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.CommandKeys;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agents in the tenant API ({@code /api/v1/agents}: SPEC §3, with their commands) and the agents' own API
 * ({@code /agent/v1}): enrolment with a token, then signed requests (heartbeat, command poll, command result). A signed request is verified before its body is read as
 * anything but bytes; every failure is the same 401.
 */
@RestController
class AgentApiController {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    private final Agents agents;
    private final AgentCommands commands;
    private final CommandKeys commandKeys;

    AgentApiController(Agents agents, AgentCommands commands, CommandKeys commandKeys) {
        this.agents = agents;
        this.commands = commands;
        this.commandKeys = commandKeys;
    }

    record TokenCreated(String token, Instant expiresAt) {
    }

    record Enrolment(Secret token, String publicKey, String hostname, Map<String, Object> facts) {
    }

    /**
     * What an enrolled agent keeps: its id, the key id it signs with ({@code <tenant>/<agent>}) and the
     * platform's command-signing public key (raw Ed25519, base64) it accepts commands from.
     */
    record Enrolled(UUID agentId, String keyId, String commandKey) {
    }

    record NewCommand(String type, Integer intervalSeconds) {
    }

    record Waiting(List<AgentCommands.Envelope> commands) {
    }

    /** An agent's report on a command: the outcome, a short message, and for a key rotation the new key and its proof. */
    record Result(String outcome, String message, String publicKey, String proof) {
    }

    @PostMapping(path = "/api/v1/agents/enrollment-tokens", produces = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    TokenCreated createToken(@AuthenticationPrincipal CloudwardenPrincipal user) {
        Agents.Issued issued = agents.createToken(user.userId());
        return new TokenCreated(issued.token().reveal(), issued.expiresAt());
    }

    @GetMapping(path = "/api/v1/agents", produces = "application/json")
    List<Agents.AgentView> list() {
        return agents.list();
    }

    @DeleteMapping("/api/v1/agents/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String id) {
        agents.revoke(Ids.fromPath(id));
    }

    @PostMapping(path = "/api/v1/agents/{id}/commands", consumes = "application/json", produces = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    AgentCommands.CommandView issue(@AuthenticationPrincipal CloudwardenPrincipal user, @PathVariable String id, @RequestBody NewCommand body) {
        return commands.issue(Ids.fromPath(id), user.userId(), body.type(), body.intervalSeconds());
    }

    @GetMapping(path = "/api/v1/agents/{id}/commands", produces = "application/json")
    List<AgentCommands.CommandView> commands(@PathVariable String id) {
        return commands.list(Ids.fromPath(id));
    }

    @PostMapping(path = "/agent/v1/enroll", consumes = "application/json", produces = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    Enrolled enroll(@RequestBody Enrolment body) {
        Agents.Enrolled enrolled = agents.enroll(body.token(), body.publicKey(), body.hostname(), body.facts());
        return new Enrolled(enrolled.agentId(), enrolled.tenantId() + "/" + enrolled.agentId(),
                Base64.getEncoder().encodeToString(commandKeys.publicKey().raw()));
    }

    /** The agent's poll, signed: the commands waiting for it, each the signed bytes and the platform's signature. */
    @GetMapping(path = "/agent/v1/commands", produces = "application/json")
    Waiting poll(HttpServletRequest request) {
        return new Waiting(commands.deliver(verified(request, new byte[0])));
    }

    /** The agent's report on a command it was given, signed. */
    @PostMapping(path = "/agent/v1/commands/{id}/result", produces = "application/json")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void result(HttpServletRequest request, @PathVariable String id, @RequestBody(required = false) byte[] body) {
        byte[] bytes = body == null ? new byte[0] : body;
        Agents.Caller caller = verified(request, bytes);
        UUID commandId = Ids.fromPath(id);
        Map<String, Object> result = parse(bytes);
        commands.complete(caller, commandId, text(result, "outcome"), text(result, "message"), text(result, "publicKey"), text(result, "proof"));
    }

    /** The agent's heartbeat, signed: {@code {"facts":{...}}}. */
    @PostMapping(path = "/agent/v1/heartbeat", produces = "application/json")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void heartbeat(HttpServletRequest request, @RequestBody(required = false) byte[] body) {
        byte[] bytes = body == null ? new byte[0] : body;
        Agents.Caller caller = verified(request, bytes);
        Object facts = parse(bytes).get("facts");
        if (facts != null && !(facts instanceof Map)) {
            throw ApiProblem.invalid("facts", "must be an object of host facts");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> factMap = (Map<String, Object>) facts;
        agents.heartbeat(caller, factMap);
    }

    /** The agent that signed this request, from now on the actor of what the request records; or 401. */
    private Agents.Caller verified(HttpServletRequest request, byte[] body) {
        String path = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        Agents.Caller caller = agents.verify(request.getMethod(), path, request.getHeader(AgentProtocol.KEY_ID),
                        request.getHeader(AgentProtocol.TIMESTAMP), request.getHeader(AgentProtocol.NONCE), request.getHeader(AgentProtocol.SIGNATURE), body)
                .orElseThrow(() -> ApiProblem.unauthorized("unauthorized", "The request is not signed by an enrolled agent."));
        // for this request only: the security filter chain clears the context when it ends
        SecurityContextHolder.getContext().setAuthentication(new PreAuthenticatedAuthenticationToken(caller, null, List.of()));
        return caller;
    }

    private static String text(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value != null && !(value instanceof String)) {
            throw ApiProblem.invalid(field, "must be a string");
        }
        return (String) value;
    }

    private static Map<String, Object> parse(byte[] body) {
        if (body.length == 0) {
            return Map.of();
        }
        try {
            Map<String, Object> parsed = JSON.readValue(body, OBJECT);
            if (parsed == null) {
                throw ApiProblem.invalid("body", "must be a JSON object");
            }
            return parsed;
        } catch (JacksonException e) {
            throw ApiProblem.invalid("body", "must be a JSON object");
        }
    }
}
