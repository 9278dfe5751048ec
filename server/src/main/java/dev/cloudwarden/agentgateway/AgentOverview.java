package dev.cloudwarden.agentgateway;

import java.time.Instant;

/** The organisation's host agents at a glance, for the console's overview (the tenant in scope). */
public interface AgentOverview {

    /** Active agents heard from lately ({@code online}) or not ({@code stale}); revoked ones are not counted. */
    record Counts(long online, long stale) {
        public long total() {
            return online + stale;
        }
    }

    Counts counts(Instant now);
}
