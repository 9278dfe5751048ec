/**
 * Cloud accounts (promises P9 and P10, docs/cloud-accounts.md): the setup documents with the
 * tenant's platform-made external ID, accounts added by role ARN (stored encrypted, read masked),
 * one short STS session per verification and per sync run, with a session policy and a traceable name,
 * and the inventory those syncs store; and the automation jobs (docs/jobs.md), which act through the
 * same sessions and live here until the clustered scheduler gives them a module of their own. Everything is in {@code internal}; it uses tenancy, crypto
 * and activity through their front doors, and in dev starts the sandbox AWS ({@code cloud-sim}).
 */
package dev.cloudwarden.cloud;
