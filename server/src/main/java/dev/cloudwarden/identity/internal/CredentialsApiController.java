package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Ids;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.TokenScope;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The signed-in user's sessions and personal access tokens under /api/v1. Reachable with a session
 * token only: {@link TokenScope} keeps personal access tokens out of these endpoints.
 */
@RestController
@RequestMapping(path = "/api/v1", produces = "application/json")
@Tag(name = "Sessions and tokens", description = "The caller's own sessions and personal access tokens")
class CredentialsApiController {

    private final CredentialsService credentials;

    CredentialsApiController(CredentialsService credentials) {
        this.credentials = credentials;
    }

    record TokenRequest(String name, List<String> scopes, Instant expiresAt) {
    }

    /** The one response that carries a token's value. */
    record TokenCreated(UUID id, String name, List<String> scopes, String hint, Instant createdAt, Instant expiresAt, String token) {
    }

    @GetMapping("/sessions")
    List<CredentialsService.SessionView> sessions(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return credentials.sessions(principal, null);
    }

    /** How many sessions "sign out everywhere else" ended. */
    record OthersEnded(int ended) {
    }

    @Operation(summary = "Sign out everywhere else: every other session of the caller ends, API and console; "
            + "this one and personal access tokens stay")
    @DeleteMapping("/sessions/others")
    OthersEnded revokeOtherSessions(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return new OthersEnded(credentials.endOtherSessions(principal, null));
    }

    @DeleteMapping("/sessions/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeSession(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        credentials.revokeSession(principal, Ids.fromPath(id));
    }

    @Operation(summary = "Create a personal access token; its value is in this answer only")
    @ApiResponse(responseCode = "409", description = "`too_many_tokens`: 50 live tokens already; revoke one first.")
    @PostMapping(path = "/tokens", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    TokenCreated createToken(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestBody TokenRequest request) {
        CredentialsService.CreatedToken created = credentials.createToken(principal, request.name(), request.scopes(), request.expiresAt());
        CredentialsService.TokenView t = created.token();
        return new TokenCreated(t.id(), t.name(), t.scopes(), t.hint(), t.createdAt(), t.expiresAt(), created.value().reveal());
    }

    @GetMapping("/tokens")
    List<CredentialsService.TokenView> tokens(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return credentials.tokens(principal);
    }

    @DeleteMapping("/tokens/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeToken(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        credentials.revokeToken(principal, Ids.fromPath(id));
    }
}
