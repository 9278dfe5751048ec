package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * TOTP enrolment over the API (SPEC section 3). The secret is in the answer to the call that
 * creates it and nowhere else; recovery codes only in the answer to the confirmation.
 */
@RestController
@RequestMapping(path = "/api/v1/mfa", produces = "application/json")
@Tag(name = "MFA", description = "TOTP enrolment, disabling and recovery codes for the caller's own account")
class MfaApiController {

    private final MfaService mfa;

    MfaApiController(MfaService mfa) {
        this.mfa = mfa;
    }

    record CodeRequest(Secret code) {
    }

    record EnrollmentStarted(String secret, String otpauthUri) {
    }

    record Confirmed(List<String> recoveryCodes) {
    }

    record Regenerated(List<String> recoveryCodes) {
    }

    /** 201 with a new secret (a pending enrolment is replaced); 409 mfa_already_enabled. */
    @Operation(summary = "Start (or restart) TOTP enrolment: the secret, shown only here")
    @ApiResponse(responseCode = "409", description = "`mfa_already_enabled`: MFA is on already.")
    @PostMapping("/totp")
    @ResponseStatus(HttpStatus.CREATED)
    EnrollmentStarted enroll(@AuthenticationPrincipal CloudwardenPrincipal principal) {
        MfaService.Enrollment enrollment = mfa.startEnrollment(principal);
        return new EnrollmentStarted(enrollment.secret().reveal(), enrollment.otpauthUri());
    }

    /** 200 with 10 recovery codes; 400 for a malformed or wrong code; 409 without a pending enrolment. */
    @Operation(summary = "Confirm enrolment with a code: MFA is on, and the recovery codes, shown only here")
    @ApiResponse(responseCode = "409", description = "`mfa_not_enrolling`: no enrolment is pending. `mfa_already_enabled`: MFA is on already.")
    @ApiResponse(responseCode = "429", description = "`too_many_attempts`: too many wrong codes in a row; wait.")
    @PostMapping(path = "/totp/confirm", consumes = "application/json")
    @ResponseStatus(HttpStatus.OK)
    Confirmed confirm(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestBody CodeRequest request) {
        return new Confirmed(mfa.confirm(principal, request.code()).stream().map(Secret::reveal).toList());
    }

    /** 204; needs a fresh TOTP code or an unused recovery code. */
    @Operation(summary = "Turn MFA off with a fresh code or an unused recovery code")
    @ApiResponse(responseCode = "409", description = "`mfa_not_enabled`: MFA is not on.")
    @ApiResponse(responseCode = "429", description = "`too_many_attempts`: too many wrong codes in a row; wait.")
    @DeleteMapping(path = "/totp", consumes = "application/json")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void disable(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestBody CodeRequest request) {
        mfa.disable(principal, request.code());
    }

    /** 200 with 10 new recovery codes, the old ones void; needs a fresh TOTP code. */
    @Operation(summary = "Replace the recovery codes with a new set (the old ones stop working); needs a fresh TOTP code. "
            + "The new codes are shown only here")
    @ApiResponse(responseCode = "409", description = "`mfa_not_enabled`: MFA is not on.")
    @ApiResponse(responseCode = "429", description = "`too_many_attempts`: too many wrong codes in a row; wait.")
    @PostMapping(path = "/recovery-codes", consumes = "application/json")
    @ResponseStatus(HttpStatus.OK)
    Regenerated regenerateRecoveryCodes(@AuthenticationPrincipal CloudwardenPrincipal principal, @RequestBody CodeRequest request) {
        return new Regenerated(mfa.regenerateRecoveryCodes(principal, request.code()).stream().map(Secret::reveal).toList());
    }
}
