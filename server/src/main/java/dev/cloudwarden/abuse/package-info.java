/**
 * Promise P14, the application's half: per-account brute-force lockout with a growing wait
 * ({@link dev.cloudwarden.abuse.BruteForceProtection}, state in PostgreSQL, shared by every node) and
 * per-address rate limits ({@link dev.cloudwarden.abuse.RateLimiter}, in memory on each node) on the
 * routes the route table gives a {@link dev.cloudwarden.abuse.RateLimit}.
 */
package dev.cloudwarden.abuse;
