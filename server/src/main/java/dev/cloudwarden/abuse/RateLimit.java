package dev.cloudwarden.abuse;

/**
 * The per-client-address limits: each route that costs a password hash, sends mail, checks a
 * one-time code or reads a whole history names one of these in the route table ({@code web.Routes}); each has its own bucket
 * per address and its own setting ({@link RateLimitSettings}), so a client that spent its sign-ups
 * can still sign in.
 */
public enum RateLimit {
    /** Password sign-in (API and console). */
    SIGN_IN,
    /** Sign-up and the email verification that completes it. */
    SIGN_UP,
    /** Asking for a password-reset link and using it. */
    PASSWORD_RESET,
    /** Accepting an invitation (sets a password). */
    INVITATION_ACCEPT,
    /** Sending invitations (each one is an email to an address the caller chooses). */
    INVITATION_SEND,
    /** Second-factor codes: the sign-in step, enrolment and disabling. */
    MFA,
    /** Exporting or verifying the whole activity history: each reads every event of the tenant. */
    ACTIVITY_EXPORT,
    /** Verifying or syncing a cloud account: each opens an STS session on the platform's shared AssumeRole quota. */
    CLOUD_SESSIONS,
    /** Sending a vulnerability report: anyone may, so each address may only a few times (each is stored). */
    SECURITY_REPORT,
    /** Operators asking for access to a tenant: each is a request the tenant and the administrators must read. */
    ACCESS_REQUEST,
    /** Enrolling a host agent with a token (each attempt checks a single-use token). */
    AGENT_ENROLL
}
