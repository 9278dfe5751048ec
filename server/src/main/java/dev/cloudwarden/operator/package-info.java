/**
 * Platform operators (promises P6, P7 and the intake half of P18; docs/operators.md): staff accounts
 * apart from tenant users, with their own console and API under {@code /ops}, mandatory TOTP and short
 * sessions; no standing access to tenant data, reads of one tenant only under an approved, scoped,
 * read-only and time-boxed grant that the tenant sees in its own history (and, with its lockbox on,
 * approves); the operators' own actions in the platform's history; vulnerability reports, stored
 * encrypted with the platform's keys and triaged here. The web layer reads {@link OperatorRole} and
 * {@link AccessScope} from the route table; everything else is in {@code internal}.
 */
package dev.cloudwarden.operator;
