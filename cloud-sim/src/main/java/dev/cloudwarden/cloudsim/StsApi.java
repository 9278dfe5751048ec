package dev.cloudwarden.cloudsim;

import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * STS over the Query protocol: {@code AssumeRole} (trust, external ID, duration, session name,
 * optional session policy) and {@code GetCallerIdentity}, answered and refused in STS's XML shapes.
 */
final class StsApi {

    static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/([\\w+=,.@-]{1,64})");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    /** AWS packs session policies; the sandbox approximates the packed size by the document's length. */
    private static final int POLICY_MAX_CHARS = 2048;

    private final Iam iam;

    StsApi(Iam iam) {
        this.iam = iam;
    }

    Reply handle(Principal caller, Query query) {
        return switch (query.action()) {
            case "AssumeRole" -> Reply.xml(assumeRole(caller, query));
            case "GetCallerIdentity" -> Reply.xml(callerIdentity(caller));
            default -> throw new AwsException(400, "InvalidAction",
                    "Could not find operation " + query.action() + " for version 2011-06-15.");
        };
    }

    /** STS's error shape: {@code ErrorResponse/Error/(Type, Code, Message)} and the request id. */
    static Reply error(AwsException e) {
        String body = Xml.root("ErrorResponse", NS).start("Error").el("Type", e.status >= 500 ? "Receiver" : "Sender")
                .el("Code", e.code).el("Message", e.getMessage()).end().el("RequestId", UUID.randomUUID()).done();
        return new Reply(e.status, "text/xml;charset=UTF-8", body, e.code);
    }

    /** A SigV4 or credentials refusal, with STS's statuses for it. */
    static AwsException refusal(SigV4.Refused r) {
        int status = switch (r.code) {
            case "IncompleteSignature" -> 400;
            default -> 403;
        };
        return new AwsException(status, r.code, r.getMessage());
    }

    private String callerIdentity(Principal caller) {
        return Xml.root("GetCallerIdentityResponse", NS).start("GetCallerIdentityResult")
                .el("Arn", caller.arn()).el("UserId", caller.userId()).el("Account", caller.accountId()).end()
                .start("ResponseMetadata").el("RequestId", UUID.randomUUID()).end().done();
    }

    private String assumeRole(Principal caller, Query params) {
        String roleArn = params.get("RoleArn");
        String sessionName = params.get("RoleSessionName");
        if (roleArn == null || !ROLE_ARN.matcher(roleArn).matches()) {
            throw validation("1 validation error detected: Value at 'roleArn' failed to satisfy constraint.");
        }
        if (sessionName == null || !SESSION_NAME.matcher(sessionName).matches()) {
            throw validation("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        int duration = 3600;
        if (params.get("DurationSeconds") != null) {
            try {
                duration = Integer.parseInt(params.get("DurationSeconds"));
            } catch (NumberFormatException e) {
                duration = -1;
            }
            if (duration < 900 || duration > 3600) {
                throw validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role, or is below 900.");
            }
        }
        String sourceIdentity = params.get("SourceIdentity");
        if (sourceIdentity != null && !SESSION_NAME.matcher(sourceIdentity).matches()) {
            throw validation("1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        if (params.get("PolicyArns.member.1") != null) {
            throw validation("The sandbox does not support PolicyArns; pass an inline session policy as Policy.");
        }
        Policy sessionPolicy = null;
        String policy = params.get("Policy");
        if (policy != null) {
            if (policy.isEmpty() || policy.length() > POLICY_MAX_CHARS) {
                throw validation("1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                        + "Member must have length less than or equal to " + POLICY_MAX_CHARS);
            }
            try {
                sessionPolicy = Policy.parse(policy);
            } catch (IllegalArgumentException e) {
                throw new AwsException(400, "MalformedPolicyDocument", e.getMessage());
            }
        }
        CloudSim.Role role = iam.role(roleArn).orElse(null);
        String denied = caller.deniedBecause("sts:AssumeRole", null);
        // an unknown role, a role that does not trust the caller and a wrong external ID look alike, as on AWS
        if (denied != null || role == null || !trusts(role, caller)
                || (role.externalId() != null && !role.externalId().equals(params.get("ExternalId")))) {
            throw new AwsException(403, "AccessDenied", "User: " + caller.arn() + " is not authorized to perform: sts:AssumeRole on resource: "
                    + roleArn);
        }
        Iam.Session session = iam.issue(role, sessionName, Duration.ofSeconds(duration), sessionPolicy);
        Xml x = Xml.root("AssumeRoleResponse", NS).start("AssumeRoleResult");
        if (sourceIdentity != null) {
            x.el("SourceIdentity", sourceIdentity);
        }
        x.start("AssumedRoleUser").el("AssumedRoleId", Iam.roleId(role) + ":" + sessionName)
                .el("Arn", "arn:aws:sts::" + role.accountId() + ":assumed-role/" + role.name() + "/" + sessionName).end()
                .start("Credentials").el("AccessKeyId", session.accessKeyId()).el("SecretAccessKey", session.secret())
                .el("SessionToken", session.token()).el("Expiration", DateTimeFormatter.ISO_INSTANT.format(session.expiration())).end();
        if (policy != null) {
            x.el("PackedPolicySize", packedSize(policy));
        }
        return x.end().start("ResponseMetadata").el("RequestId", UUID.randomUUID()).end().done();
    }

    /** AWS answers the packed size of a session policy as a percentage of what fits; here the share of the document's length. */
    private static int packedSize(String policy) {
        return Math.max(1, policy.replaceAll("\\s", "").length() * 100 / POLICY_MAX_CHARS);
    }

    /** The role's trust policy names the caller, or the caller's account root (which trusts every principal of it). */
    private static boolean trusts(CloudSim.Role role, Principal caller) {
        String trusted = role.trustedPrincipalArn();
        return trusted.equals(caller.trustArn())
                || (caller.kind() != Principal.Kind.ROLE_SESSION && trusted.equals("arn:aws:iam::" + caller.accountId() + ":root"));
    }

    private static AwsException validation(String message) {
        return new AwsException(400, "ValidationError", message);
    }
}
