package dev.cloudwarden.identity;

/** Notices to an organisation's administrators (its active OWNERs and ADMINs), for other modules. */
public interface OrganisationMail {

    /**
     * Sends {@code subject} and {@code body} to every active OWNER and ADMIN of the tenant in scope,
     * one message each; answers how many were sent. Outside any transaction: the recipients are read
     * first, then the mail goes out.
     */
    int toAdministrators(String subject, String body);
}
