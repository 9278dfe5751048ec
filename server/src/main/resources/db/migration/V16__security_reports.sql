-- Vulnerability reports (promise P18, docs/operators.md): anyone may send one, from the public form or
-- the API, and operators triage them. A report belongs to no tenant, so the table is global (no
-- tenant_id, no row-level security); what the reporter wrote is personal and possibly dangerous to
-- disclose, so every text is encrypted with the platform's keys (platform_keysets), bound to its row
-- and column. The clear columns are what operators sort and count by: the reference the reporter was
-- given, the status and the dates.
create table security_reports (
    id                      uuid primary key,
    -- shown to the reporter once, to quote in later mail: random, not derived from the id or the time
    reference               text not null unique check (reference ~ '^CWSR-[0-9A-HJKMNP-TV-Z]{10}$'),
    title_ciphertext        bytea not null check (length(title_ciphertext) > 0),
    description_ciphertext  bytea not null check (length(description_ciphertext) > 0),
    contact_ciphertext      bytea check (contact_ciphertext is null or length(contact_ciphertext) > 0),
    status                  text not null default 'NEW' check (status in ('NEW', 'TRIAGED', 'FIXED', 'NOT_APPLICABLE')),
    received_at             timestamptz not null,
    triaged_at              timestamptz,
    closed_at               timestamptz,
    triaged_by              uuid references operators (id),
    -- a report past NEW was looked at by someone, at a time; a closed one was closed at a time
    check ((status = 'NEW') = (triaged_at is null and triaged_by is null)),
    check ((status in ('FIXED', 'NOT_APPLICABLE')) = (closed_at is not null)),
    check (triaged_at is null or triaged_at >= received_at),
    check (closed_at is null or closed_at >= triaged_at)
);
-- the operators' list, newest first, optionally by status
create index security_reports_received on security_reports (received_at desc, id);

-- The runtime role receives reports and moves their status; it never deletes one nor rewrites what was
-- reported or when.
grant select, insert on security_reports to ${app_role};
grant update (status, triaged_at, closed_at, triaged_by) on security_reports to ${app_role};
