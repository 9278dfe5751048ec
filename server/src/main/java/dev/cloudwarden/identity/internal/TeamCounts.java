package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.Transactions;
import dev.cloudwarden.identity.TeamOverview;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link TeamOverview} in one read-only statement (row-level security scopes it to the tenant). */
@Service
class TeamCounts implements TeamOverview {

    private final JdbcClient jdbc;
    private final TransactionTemplate readOnly;
    private final UserService users;

    TeamCounts(JdbcClient jdbc, TransactionTemplate tx, UserService users) {
        this.jdbc = jdbc;
        this.users = users;
        this.readOnly = Transactions.readOnly(tx);
    }

    @Override
    public Team team(UUID viewer) {
        String organization = users.organizationName();
        return readOnly.execute(s -> jdbc.sql("""
                        select count(*) filter (where status = 'ACTIVE'), count(*) filter (where status = 'INVITED'),
                               count(*) filter (where status = 'DISABLED' and password_hash is not null), coalesce(bool_or(id = ? and mfa_enabled), false)
                        from users""")
                .param(viewer)
                .query((rs, n) -> new Team(organization, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBoolean(4))).single());
    }
}
