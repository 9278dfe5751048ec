package dev.cloudwarden.identity;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The signed-in user's sessions under /api/v1. */
@RestController
@RequestMapping(path = "/api/v1", produces = "application/json")
class CredentialsApiController {

    private final CredentialsService credentials;

    CredentialsApiController(CredentialsService credentials) {
        this.credentials = credentials;
    }

    @GetMapping("/sessions")
    List<CredentialsService.SessionView> sessions(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return credentials.sessions(principal, null);
    }

    @DeleteMapping("/sessions/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeSession(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        credentials.revokeSession(principal, IdentityApiController.parseId(id));
    }
}
