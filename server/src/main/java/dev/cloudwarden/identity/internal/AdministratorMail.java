package dev.cloudwarden.identity.internal;

import dev.cloudwarden.identity.OrganisationMail;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link OrganisationMail}: the addresses are read in a transaction of their own, the mail sent after it. */
@Component
class AdministratorMail implements OrganisationMail {

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Mailer mailer;

    AdministratorMail(JdbcClient jdbc, TransactionTemplate tx, Mailer mailer) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.mailer = mailer;
    }

    @Override
    public int toAdministrators(String subject, String body) {
        List<String> to = tx.execute(s -> jdbc.sql("select email from users where role in ('OWNER', 'ADMIN') and status = 'ACTIVE' order by email")
                .query(String.class).list());
        for (String address : to) {
            mailer.send(address, subject, body);
        }
        return to.size();
    }
}
