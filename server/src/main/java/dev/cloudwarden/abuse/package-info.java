/**
 * Promise P14, the application's half: per-account brute-force lockout with a growing wait
 * ({@link dev.cloudwarden.abuse.BruteForceProtection}, state in PostgreSQL, shared by every node) and
 * per-IP rate limits on the sign-in, sign-up, password-reset and MFA endpoints
 * ({@link dev.cloudwarden.abuse.RateLimitFilter}, in memory on each node).
 */
package dev.cloudwarden.abuse;
