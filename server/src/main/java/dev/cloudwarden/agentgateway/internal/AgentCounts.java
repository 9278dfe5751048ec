package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.agentgateway.AgentOverview;
import dev.cloudwarden.common.Transactions;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link AgentOverview}: online and stale by the same {@link Agents#STALE} as the agents page. */
@Service
class AgentCounts implements AgentOverview {

    private final JdbcClient jdbc;
    private final TransactionTemplate readOnly;

    AgentCounts(JdbcClient jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.readOnly = Transactions.readOnly(tx);
    }

    @Override
    public Counts counts(Instant now) {
        return readOnly.execute(s -> jdbc.sql("""
                        select count(*) filter (where last_seen_at > ?), count(*) filter (where last_seen_at is null or last_seen_at <= ?)
                        from agents where status = 'ACTIVE'""")
                .params(Timestamp.from(now.minus(Agents.STALE)), Timestamp.from(now.minus(Agents.STALE)))
                .query((rs, n) -> new Counts(rs.getLong(1), rs.getLong(2))).single());
    }
}
