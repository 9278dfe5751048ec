package dev.cloudwarden.mfa.internal;

import dev.cloudwarden.common.ApiProblem;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tenant's security settings: today the policy "MFA required for everyone". Anyone in the
 * tenant may read them; only OWNER and ADMIN may change them (SecurityConfiguration).
 */
@RestController
@RequestMapping(path = "/api/v1/settings/security", produces = "application/json")
@Tag(name = "Settings", description = "The organisation's security settings")
class SecuritySettingsController {

    private final MfaService mfa;

    SecuritySettingsController(MfaService mfa) {
        this.mfa = mfa;
    }

    record SecuritySettings(boolean mfaRequired) {
    }

    /** Object, not Boolean: Jackson would quietly turn 1 or "yes"-like strings into a boolean, and a policy switch takes only true or false. */
    record SecuritySettingsChange(@Schema(types = "boolean") Object mfaRequired) {
    }

    @GetMapping
    SecuritySettings settings() {
        return new SecuritySettings(mfa.tenantRequiresMfa());
    }

    /**
     * Turning the policy on takes effect at once: from the next request on, every user without MFA,
     * the caller included, can reach only the enrolment calls until they have enrolled.
     */
    @PatchMapping(consumes = "application/json")
    SecuritySettings change(@RequestBody SecuritySettingsChange change) {
        if (change.mfaRequired() == null) {
            throw ApiProblem.invalid("mfaRequired", "is required");
        }
        if (!(change.mfaRequired() instanceof Boolean required)) {
            throw ApiProblem.invalid("mfaRequired", "must be true or false");
        }
        mfa.setTenantRequiresMfa(required);
        return settings();
    }
}
