package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.common.Ids;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.identity.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The identity part of /api/v1 (SPEC section 3). Who may call what is declared in the route table (web.Routes). */
@RestController
@RequestMapping(path = "/api/v1", produces = "application/json")
@Tag(name = "Identity", description = "Sign-up, sign-in, users, invitations and password resets")
class IdentityApiController {

    private final SignUpService signUps;
    private final SignInService signIns;
    private final UserService users;
    private final InvitationService invitations;
    private final PasswordResetService resets;
    private final SignInOrigins origins;

    IdentityApiController(SignUpService signUps, SignInService signIns, UserService users, InvitationService invitations,
                          PasswordResetService resets, SignInOrigins origins) {
        this.signUps = signUps;
        this.signIns = signIns;
        this.users = users;
        this.invitations = invitations;
        this.resets = resets;
        this.origins = origins;
    }

    record SignupRequest(String organization, String email, Secret password) {
    }

    record SignupAccepted(String status) {
    }

    record EmailVerification(Secret token) {
    }

    record SessionRequest(String email, Secret password, Secret otp) {
    }

    record SessionCreated(String token, Instant expiresAt) {
    }

    record Me(UUID userId, UUID tenantId, String email, Role role, boolean mfaEnabled) {
    }

    record UserChange(Role role, String status) {
    }

    record Invitation(String email, Role role) {
    }

    record InvitationAcceptance(Secret token, Secret password) {
    }

    record ResetRequest(String email) {
    }

    record ResetConfirmation(Secret token, Secret password) {
    }

    record Accepted(String message) {
    }

    /** The same 202 whether or not the address has an account: only its mailbox learns which. */
    @Operation(summary = "Ask for a new organisation: mails a single-use verification link (24 h)")
    @PostMapping(path = "/signup", consumes = "application/json")
    @ResponseStatus(HttpStatus.ACCEPTED)
    SignupAccepted signUp(@RequestBody SignupRequest request) {
        signUps.requestSignUp(request.organization(), request.email(), request.password());
        return new SignupAccepted("verification_sent");
    }

    @Operation(summary = "Create the organisation and its OWNER from the emailed link's token")
    @ApiResponse(responseCode = "409", description = "`email_taken`: the address got an account since the sign-up request.")
    @PostMapping(path = "/email-verifications", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    SignUpService.SignedUp verifyEmail(@RequestBody EmailVerification verification) {
        return signUps.verifyEmail(verification.token());
    }

    @Operation(summary = "Sign in: a session token (12 h at most)")
    @ApiResponse(responseCode = "401", description = "`invalid_credentials`: wrong email or password, whatever the account's MFA state. "
            + "`mfa_required`: the password is right and MFA is on: send `otp` too. `invalid_otp`: the code is wrong, expired or used.")
    @ApiResponse(responseCode = "429", description = "`too_many_attempts`: too many failures in a row for this account; it is locked for a while.")
    @PostMapping(path = "/sessions", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    SessionCreated signIn(@RequestBody SessionRequest request, HttpServletRequest http) {
        return signIns.openSession(request.email(), request.password(), request.otp(), origins.of(http))
                .map(issued -> new SessionCreated(issued.token().reveal(), issued.expiresAt()))
                .orElseThrow(() -> ApiProblem.unauthorized("invalid_credentials", "Invalid email or password."));
    }

    @Operation(summary = "Sign out: the session token stops working")
    @DeleteMapping("/sessions/current")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void signOut(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        signIns.closeSession(principal);
    }

    @GetMapping("/me")
    Me me(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        return new Me(principal.userId(), principal.tenantId(), principal.email(), principal.role(), principal.mfaEnabled());
    }

    @GetMapping("/users")
    List<UserService.UserView> users() {
        return users.listUsers();
    }

    @GetMapping("/users/{id}")
    UserService.UserView user(@PathVariable String id) {
        return users.user(Ids.fromPath(id));
    }

    @Operation(summary = "Invite a user: an INVITED user and a mailed single-use link (72 h)")
    @ApiResponse(responseCode = "403", description = "`forbidden`: only an OWNER may invite an OWNER.")
    @ApiResponse(responseCode = "409", description = "`email_taken`: the address is a member of this organisation already. "
            + "`invitation_pending`: the address has a pending invitation here (resend it: `POST /api/v1/invitations/{id}/resend`). "
            + "An address with an account in another organisation is invited like any other.")
    @PostMapping(path = "/users", consumes = "application/json")
    @ResponseStatus(HttpStatus.CREATED)
    UserService.UserView invite(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestBody Invitation invitation) {
        return invitations.invite(principal, invitation.email(), invitation.role());
    }

    @Operation(summary = "The pending invitations: who is invited, as what, by whom, when the link was sent and when it expires")
    @GetMapping("/invitations")
    List<InvitationService.PendingInvitation> invitations() {
        return invitations.pending();
    }

    @Operation(summary = "Send a pending invitation again: a new link, the old one stops working, 72 h from now")
    @ApiResponse(responseCode = "403", description = "`forbidden`: only an OWNER may resend an OWNER's invitation.")
    @ApiResponse(responseCode = "409", description = "`not_invited`: the user accepted the invitation, or it was cancelled.")
    @PostMapping("/invitations/{id}/resend")
    @ResponseStatus(HttpStatus.OK)
    InvitationService.PendingInvitation resendInvitation(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        return invitations.resend(principal, Ids.fromPath(id));
    }

    @Operation(summary = "Cancel a pending invitation: its link stops working; the address may be invited again")
    @ApiResponse(responseCode = "403", description = "`forbidden`: only an OWNER may cancel an OWNER's invitation.")
    @ApiResponse(responseCode = "409", description = "`not_invited`: the user accepted the invitation, or it was cancelled already.")
    @DeleteMapping("/invitations/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void cancelInvitation(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        invitations.cancel(principal, Ids.fromPath(id));
    }

    /** Changes a user's role, or re-enables a disabled user with {@code "status":"ACTIVE"}. */
    @Operation(summary = "Change a user's role, or re-enable a disabled user")
    @ApiResponse(responseCode = "403", description = "`forbidden`: only an OWNER may grant or remove OWNER, or re-enable an OWNER.")
    @ApiResponse(responseCode = "409", description = "`last_owner`: the organisation must keep an active OWNER.")
    @PatchMapping(path = "/users/{id}", consumes = "application/json")
    @ResponseStatus(HttpStatus.OK) // with an @ApiResponse present, springdoc lists the success answer only when it is named
    UserService.UserView change(@AuthenticationPrincipal CloudwardenPrincipal principal,
                                    @PathVariable String id, @RequestBody UserChange change) {
        UUID userId = Ids.fromPath(id);
        if (change.role() == null && change.status() == null) {
            throw ApiProblem.invalid("role", "is required (or status)");
        }
        if (change.role() != null && change.status() != null) {
            throw ApiProblem.invalid("status", "send either role or status, not both, so a refused change changes nothing");
        }
        if (change.status() != null && !"ACTIVE".equals(change.status())) {
            throw ApiProblem.invalid("status", "can only be set to ACTIVE here; DELETE disables a user");
        }
        UserService.UserView result = null;
        if (change.status() != null) {
            result = users.enable(principal, userId);
        }
        if (change.role() != null) {
            result = users.changeRole(principal, userId, change.role());
        }
        return result;
    }

    @Operation(summary = "Accept an invitation: set the invited user's password")
    @ApiResponse(responseCode = "409", description = "`email_taken`: the address got an account meanwhile.")
    @PostMapping(path = "/invitations/accept", consumes = "application/json")
    @ResponseStatus(HttpStatus.OK)
    SignUpService.SignedUp acceptInvitation(@RequestBody InvitationAcceptance acceptance) {
        return invitations.accept(acceptance.token(), acceptance.password());
    }

    @Operation(summary = "Ask for a password-reset link (the same answer whether or not the address has an account)")
    @PostMapping(path = "/password-resets", consumes = "application/json")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Accepted requestPasswordReset(@RequestBody ResetRequest request) {
        resets.request(request.email());
        return new Accepted("If the address belongs to an active account, a reset link is on its way.");
    }

    @Operation(summary = "Set a new password with the reset token; ends every session and token of the user")
    @PostMapping(path = "/password-resets/confirm", consumes = "application/json")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void confirmPasswordReset(@RequestBody ResetConfirmation confirmation) {
        resets.confirm(confirmation.token(), confirmation.password());
    }

    @Operation(summary = "Disable a user: their sessions and tokens end")
    @ApiResponse(responseCode = "403", description = "`forbidden`: only an OWNER may disable an OWNER.")
    @ApiResponse(responseCode = "409", description = "`last_owner`: the organisation must keep an active OWNER.")
    @DeleteMapping("/users/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void disable(@AuthenticationPrincipal CloudwardenPrincipal principal, @PathVariable String id) {
        users.disable(principal, Ids.fromPath(id));
    }

    /** A malformed id names no object: the same 404 as an unknown or foreign one. */
}
