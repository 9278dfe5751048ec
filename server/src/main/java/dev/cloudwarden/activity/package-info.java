/**
 * The activity history (promise P13, docs/activity.md): one recording call for every module
 * ({@link dev.cloudwarden.activity.ActivityLog}), a hash chain and signed digests per tenant, the
 * read and export API and the published digest keys. It sits just above tenancy: the keys it needs
 * (crypto), the names it shows (identity) and the client address (abuse) come in through the
 * interfaces it owns ({@link dev.cloudwarden.activity.ActivityKeys},
 * {@link dev.cloudwarden.activity.ActorDirectory}, {@link dev.cloudwarden.activity.ClientAddress}).
 */
package dev.cloudwarden.activity;
