package dev.cloudwarden.operator;

/** What an operator is: an administrator of the platform, or support staff. Neither is a tenant role. */
public enum OperatorRole {
    /** Approves access requests (never their own), runs lifecycle and key actions, triages reports. */
    PLATFORM_ADMIN,
    /** Requests access to one tenant, reads under an approved grant, triages reports. */
    SUPPORT;

    /** The role as people read it: "Platform administrator", not PLATFORM_ADMIN. */
    public String label() {
        return this == PLATFORM_ADMIN ? "Platform administrator" : "Support";
    }

    /** The Spring Security authority: prefixed so it can never be mistaken for a tenant role's. */
    public String authority() {
        return "ROLE_OPS_" + name();
    }
}
