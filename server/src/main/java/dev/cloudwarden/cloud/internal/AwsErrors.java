package dev.cloudwarden.cloud.internal;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What went wrong with a customer's account, in words the customer can act on. AWS's own message
 * text never passes through (it can hold ARNs, request ids and account ids): each known error code
 * maps to a message written here, everything else to a generic one.
 */
final class AwsErrors {

    /** A customer-facing failure: a stable code and our own message. */
    record Problem(String code, String message) {
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AwsErrors.class);

    /** Our side's failure, not the customer's: the operators learn of it from the log (code only, never AWS's text). */
    private static final Problem PLATFORM = new Problem("platform_error",
            "Cloudwarden could not authenticate to AWS. This is on our side and has been logged for the operators; try again later.");

    private AwsErrors() {
    }

    static Problem of(SdkException e, String platformPrincipal, String region) {
        if (e instanceof AwsServiceException aws) {
            String code = aws.awsErrorDetails() == null ? "" : String.valueOf(aws.awsErrorDetails().errorCode());
            int status = aws.statusCode();
            return switch (code) {
                // only the platform's own credentials call STS: AWS does not know or believe them
                case "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken" -> {
                    log.warn("AWS refused the platform's own credentials: {} (HTTP {})", code, status);
                    yield PLATFORM;
                }
                // AWS answers a missing role, a trust policy that does not name us and a wrong or missing
                // external ID alike (so roles cannot be probed): the message names all three checks.
                case "AccessDenied" -> new Problem("role_not_assumable", "The role could not be assumed. Check that the role exists, "
                        + "that its trust policy allows sts:AssumeRole for " + platformPrincipal
                        + ", and that its sts:ExternalId condition is this organisation's external ID (see the setup page).");
                case "UnauthorizedOperation", "AccessDeniedException" -> new Problem("permission_missing",
                        "The role does not allow what this step needs. Update its policy to the one on the setup page.");
                case "OptInRequired" -> regionDisabled(region);
                // EC2's answer both in a region the account has not enabled and to credentials it does not know
                case "AuthFailure" -> new Problem("aws_auth_failed", "AWS did not accept the session in " + region
                        + ": the region may not be enabled for this account, or the role was deleted meanwhile. Verify the account.");
                case "ExpiredToken", "RequestExpired" -> new Problem("session_expired",
                        "The temporary credentials expired during the step. Try again.");
                case "Throttling", "ThrottlingException", "RequestLimitExceeded" -> new Problem("aws_throttling",
                        "AWS is throttling requests for this account. Try again in a few minutes.");
                default -> status >= 500 ? new Problem("aws_unavailable", "AWS answered with a server error. Try again later.")
                        : new Problem("aws_error", "AWS refused the request. Check the role and its policy on the setup page.");
            };
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).startsWith("Unable to load credentials")) {
            log.warn("The platform has no AWS credentials: the standard provider chain found none");
            return PLATFORM;
        }
        if (e instanceof SdkClientException) {
            return new Problem("aws_unreachable", "AWS could not be reached. Try again later.");
        }
        return new Problem("aws_error", "The request to AWS failed. Try again later.");
    }

    /** {@code region} is a validated region name, so it may appear in the message. */
    static Problem regionDisabled(String region) {
        return new Problem("region_disabled", "The region " + region
                + " is not enabled for this AWS account. Enable it in the account, or remove it from this cloud account's regions.");
    }
}
