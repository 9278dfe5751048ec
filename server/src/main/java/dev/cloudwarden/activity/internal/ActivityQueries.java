package dev.cloudwarden.activity.internal;

import dev.cloudwarden.audit.Digest;
import dev.cloudwarden.audit.Event;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Reads of the chain in scope (row-level security keeps them to it): filtered pages, and the pages of an export. */
@Component
class ActivityQueries {

    /** What a page asks for; null means no filter. {@code before} pages backwards (newest first), {@code after} forwards. */
    record Filter(Long after, Long before, int limit, UUID actor, String action, String targetType, String targetId, Instant from, Instant to) {
    }

    private final JdbcClient jdbc;

    ActivityQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<Event> page(Filter f) {
        StringBuilder sql = new StringBuilder("select " + Chain.EVENT_COLUMNS + " from activity_events where true");
        List<Object> params = new ArrayList<>();
        condition(sql, params, "seq > ?", f.after());
        condition(sql, params, "seq < ?", f.before());
        condition(sql, params, "actor_id = ?", f.actor());
        condition(sql, params, "action = ?", f.action());
        condition(sql, params, "target_type = ?", f.targetType());
        condition(sql, params, "target_id = ?", f.targetId());
        condition(sql, params, "occurred_at >= ?", f.from() == null ? null : f.from().atOffset(ZoneOffset.UTC));
        condition(sql, params, "occurred_at < ?", f.to() == null ? null : f.to().atOffset(ZoneOffset.UTC));
        sql.append(f.before() != null ? " order by seq desc" : " order by seq").append(" limit ").append(f.limit());
        return jdbc.sql(sql.toString()).params(params).query((rs, n) -> Chain.event(rs)).list();
    }

    private static void condition(StringBuilder sql, List<Object> params, String clause, Object value) {
        if (value != null) {
            sql.append(" and ").append(clause);
            params.add(value);
        }
    }

    /** Up to {@code limit} events after #{@code after}, up to #{@code upTo}, in order: one page of an export. */
    List<Event> eventsBetween(long after, long upTo, int limit) {
        return jdbc.sql("select " + Chain.EVENT_COLUMNS + " from activity_events where seq > ? and seq <= ? order by seq limit ?")
                .params(after, upTo, limit).query((rs, n) -> Chain.event(rs)).list();
    }

    /** Up to {@code limit} digests ending after #{@code after}, up to #{@code upTo}, in order. */
    List<Digest> digestsBetween(long after, long upTo, int limit) {
        return jdbc.sql("select " + Chain.DIGEST_COLUMNS + " from activity_digests where last_seq > ? and last_seq <= ? order by last_seq limit ?")
                .params(after, upTo, limit).query((rs, n) -> Chain.digest(rs)).list();
    }
}
