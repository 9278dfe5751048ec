package dev.cloudwarden.cloudsim;

import java.util.Map;

/**
 * Who signed a request, once the signature and the credentials checked out: the platform's own
 * key, an account's IAM user, or a role session from AssumeRole. {@code identity} is the policy the
 * principal carries (the role's for a session); {@code session} the AssumeRole session policy, or null.
 */
record Principal(Kind kind, String accessKeyId, String accountId, String arn, String userId, CloudSim.Role role,
                 String sessionName, Policy identity, Policy session) {

    enum Kind { PLATFORM, USER, ROLE_SESSION }

    /**
     * Null when {@code action} is allowed on a resource with {@code resourceTags} (null: no
     * resource), else the reason, worded as AWS ends its denial messages. A session's permissions
     * are the role's policy intersected with the session policy; an explicit Deny in either wins.
     */
    String deniedBecause(String action, Map<String, String> resourceTags) {
        Policy.Decision byIdentity = identity.evaluate(action, resourceTags);
        if (byIdentity == Policy.Decision.EXPLICIT_DENY) {
            return "with an explicit deny in an identity-based policy";
        }
        if (session != null) {
            Policy.Decision bySession = session.evaluate(action, resourceTags);
            if (bySession == Policy.Decision.EXPLICIT_DENY) {
                return "with an explicit deny in a session policy";
            }
            if (bySession == Policy.Decision.IMPLICIT_DENY) {
                return "because no session policy allows the " + action + " action";
            }
        }
        return byIdentity == Policy.Decision.ALLOW ? null : "because no identity-based policy allows the " + action + " action";
    }

    /** The ARN a trust policy names to let this principal assume a role: a session is trusted through its role. */
    String trustArn() {
        return kind == Kind.ROLE_SESSION ? role.arn() : arn;
    }
}
