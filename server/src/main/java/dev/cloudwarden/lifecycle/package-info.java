/**
 * The subscription lifecycle (promise P17, docs/lifecycle.md): termination stops everything of a
 * tenant and keeps its data for the retention window, renewal inside it restores the tenant as it
 * was, and after it a purge deletes every row of the tenant (tables found in the catalog), destroys
 * its keyset and leaves a tombstone. The rules are the database's own functions (migration V14); this
 * module calls them, records the events, sends the notices and offers the operator commands. Its
 * neighbours react to {@link dev.cloudwarden.tenancy.TenantTerminated} and
 * {@link dev.cloudwarden.tenancy.TenantRenewed}. Everything is in {@code internal}.
 */
package dev.cloudwarden.lifecycle;
