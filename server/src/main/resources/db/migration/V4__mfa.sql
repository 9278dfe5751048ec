-- Multi-factor authentication (P12): TOTP (RFC 6238) secrets, recovery codes and the tenant policy
-- "MFA required for everyone". Both tables are tenant tables: tenant_id, RLS enabled and forced,
-- one tenant_isolation policy on current_tenant_id().

-- One TOTP authenticator per user. confirmed_at is null while an enrolment waits for its first code;
-- users.mfa_enabled is set in the same transaction as confirmed_at.
create table user_mfa (
    user_id            uuid primary key references users (id),
    tenant_id          uuid not null references tenants (id),
    -- the TOTP secret, encrypted with the tenant's data key and bound to (user_mfa, secret_ciphertext, user_id)
    secret_ciphertext  bytea not null,
    confirmed_at       timestamptz,
    -- the last accepted RFC 6238 time step: a code is accepted only for a later step (no replay)
    last_used_step     bigint,
    -- consecutive wrong codes and the back-off they caused (RFC 4226 section 7.3 throttling)
    failed_attempts    integer not null default 0 check (failed_attempts >= 0),
    locked_until       timestamptz,
    created_at         timestamptz not null default now()
);
create index user_mfa_tenant on user_mfa (tenant_id);
alter table user_mfa enable row level security;
alter table user_mfa force row level security;
create policy tenant_isolation on user_mfa
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());

-- Recovery codes, stored only as tenant-keyed hashes (HMAC with the tenant's PRF key, bound to the user).
create table mfa_recovery_codes (
    id          uuid primary key,
    tenant_id   uuid not null references tenants (id),
    user_id     uuid not null references users (id),
    code_hash   bytea not null check (length(code_hash) = 32),
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    unique (user_id, code_hash)
);
create index mfa_recovery_codes_tenant on mfa_recovery_codes (tenant_id);
alter table mfa_recovery_codes enable row level security;
alter table mfa_recovery_codes force row level security;
create policy tenant_isolation on mfa_recovery_codes
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());

-- The tenant policy.
alter table tenants add column mfa_required boolean not null default false;

-- The runtime role: only what enrolment, sign-in, disabling and key rotation need.
grant select, insert, delete on user_mfa to ${app_role};
grant update (secret_ciphertext, confirmed_at, last_used_step, failed_attempts, locked_until) on user_mfa to ${app_role};
grant select, insert, delete on mfa_recovery_codes to ${app_role};
grant update (used_at) on mfa_recovery_codes to ${app_role};
grant update (mfa_required) on tenants to ${app_role};
