package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.cloud.CloudOverview;
import dev.cloudwarden.common.Transactions;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** The counts behind {@link CloudOverview}, in one read-only transaction of the tenant in scope (row-level security scopes it). */
@Service
class CloudSummaries implements CloudOverview {

    private final JdbcClient jdbc;
    private final TransactionTemplate readOnly;

    CloudSummaries(JdbcClient jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.readOnly = Transactions.readOnly(tx);
    }

    @Override
    public Summary summary(Instant now, int days) {
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        Instant since = today.minusDays(days - 1L).atStartOfDay(ZoneOffset.UTC).toInstant();
        return readOnly.execute(s -> new Summary(accounts(), resources(), jobs(), runs(since, today, days), hoursSaved(since, now)));
    }

    private Accounts accounts() {
        Map<String, Long> byStatus = jdbc.sql("select status, count(*) from cloud_accounts group by status")
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return new Accounts(byStatus.getOrDefault("verified", 0L), byStatus.getOrDefault("unverified", 0L),
                byStatus.getOrDefault("failed", 0L));
    }

    private List<ResourceCount> resources() {
        return jdbc.sql("select kind, state, region, count(*) from cloud_resources group by kind, state, region order by kind, state, region")
                .query((rs, n) -> new ResourceCount(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))).list();
    }

    private long jobs() {
        return jdbc.sql("select count(*) from jobs").query(Long.class).single();
    }

    private List<DayRuns> runs(Instant since, LocalDate today, int days) {
        Map<LocalDate, DayRuns> byDay = jdbc.sql("""
                        select (finished_at at time zone 'UTC')::date as day,
                               count(*) filter (where status = 'succeeded'), count(*) filter (where status = 'failed')
                        from job_runs where finished_at >= ? group by 1""")
                .param(Timestamp.from(since))
                .query((rs, n) -> new DayRuns(rs.getObject(1, LocalDate.class), rs.getLong(2), rs.getLong(3))).list().stream()
                .collect(Collectors.toMap(DayRuns::day, Function.identity()));
        List<DayRuns> all = new ArrayList<>(days);
        for (LocalDate day = today.minusDays(days - 1L); !day.isAfter(today); day = day.plusDays(1)) {
            all.add(byDay.getOrDefault(day, new DayRuns(day, 0, 0)));
        }
        return all;
    }

    /**
     * Each instance's stops and starts that took effect, in order: a stop by a scheduled run lasts until the next
     * stop or start of the same instance, or until now; its hours inside the window count. Actions from one
     * window before the window are read too, so an instance stopped just before it counts from its start.
     */
    private double hoursSaved(Instant since, Instant now) {
        Instant lookBack = since.minus(java.time.Duration.between(since, now));
        return jdbc.sql("""
                        with changes as (
                            select x.region, x.resource_id, x.action, r.trigger, r.finished_at as at
                            from job_run_results x join job_runs r on r.tenant_id = x.tenant_id and r.id = x.run_id
                            where x.outcome = 'done' and x.action in ('stop', 'start') and r.finished_at >= ? and r.finished_at <= ?),
                        spans as (
                            select action, trigger, at, coalesce(lead(at) over (partition by region, resource_id order by at), ?) as until
                            from changes)
                        select coalesce(sum(extract(epoch from (least(until, ?) - greatest(at, ?)))), 0) / 3600.0
                        from spans where action = 'stop' and trigger = 'schedule' and until > ?""")
                .params(Timestamp.from(lookBack), Timestamp.from(now), Timestamp.from(now), Timestamp.from(now),
                        Timestamp.from(since), Timestamp.from(since))
                .query(Double.class).single();
    }
}
