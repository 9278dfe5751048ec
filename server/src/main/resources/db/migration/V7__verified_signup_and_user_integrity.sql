-- Sign-up with email verification, composite foreign keys to users, the one definition of an
-- active account, and grants trimmed to what the server uses.

-- 1. A row pointing at a user must point at a user of its own tenant: (tenant_id, user_id) references
--    users (tenant_id, id), so the database refuses a row that mixes two tenants even if the
--    application got it wrong (RLS alone checks only the row's own tenant_id).
alter table users add constraint users_tenant_id_id_key unique (tenant_id, id);

alter table login_directory drop constraint login_directory_user_id_fkey,
    add constraint login_directory_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table api_sessions drop constraint api_sessions_user_id_fkey,
    add constraint api_sessions_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table one_time_tokens drop constraint one_time_tokens_user_id_fkey,
    add constraint one_time_tokens_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table user_mfa drop constraint user_mfa_user_id_fkey,
    add constraint user_mfa_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table mfa_recovery_codes drop constraint mfa_recovery_codes_user_id_fkey,
    add constraint mfa_recovery_codes_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table login_failures drop constraint login_failures_user_id_fkey,
    add constraint login_failures_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);
alter table personal_access_tokens drop constraint personal_access_tokens_user_id_fkey,
    add constraint personal_access_tokens_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id);

-- 2. Who may act: an ACTIVE user of an ACTIVE tenant, with what the MFA gate needs. Defined once
--    here; sign-in, session and token lookups and the console's per-request check all read it.
--    security_invoker: the view runs with the caller's rights, so row-level security applies.
create view active_users with (security_invoker = true) as
    select u.id, u.tenant_id, u.email, u.role, u.mfa_enabled,
           t.mfa_required and not u.mfa_enabled as mfa_enrollment_required
    from users u
    join tenants t on t.id = u.tenant_id
    where u.status = 'ACTIVE' and t.status = 'ACTIVE';
grant select on active_users to ${app_role};

-- 3. Sign-up requests waiting for their email to be verified. Nothing of the organisation exists
--    yet and no address is claimed: the request holds the new tenant's keysets (wrapped by the
--    KEK), its name and the owner's email (encrypted with those keys), the owner's password hash
--    (peppered with them) and the keyed hash of the emailed token. The verification link carries
--    the tenant id, so the row is read under row-level security like any tenant row.
--    No foreign key to tenants: the tenant does not exist until the link is used.
create table signup_requests (
    tenant_id         uuid primary key,
    token_hash        bytea not null check (length(token_hash) = 32),
    aead_keyset       bytea not null,
    prf_keyset        bytea not null,
    kek_id            text not null,
    name_ciphertext   bytea not null,
    email_ciphertext  bytea not null,
    password_hash     text not null,
    created_at        timestamptz not null default now(),
    expires_at        timestamptz not null,
    check (expires_at > created_at and expires_at <= created_at + interval '25 hours')
);
create index signup_requests_expiry on signup_requests (expires_at);
alter table signup_requests enable row level security;
alter table signup_requests force row level security;
create policy tenant_isolation on signup_requests
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert, delete on signup_requests to ${app_role};

-- Expired requests are deleted for every tenant at once; this function does only that.
create policy expiry on signup_requests for all to ${owner_role} using (true);
create function delete_expired_signup_requests() returns integer
    language sql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$ with gone as (delete from public.signup_requests where expires_at <= now() returning 1) select count(*)::integer from gone $$;
revoke all on function delete_expired_signup_requests() from public;
grant execute on function delete_expired_signup_requests() to ${app_role};

-- 4. Grants the server never uses: sign-in entries are never deleted (a user is disabled, not
--    removed), and a tenant's status changes only through the lifecycle, which is not the runtime
--    role's to do by a plain UPDATE.
revoke delete on login_directory from ${app_role};
revoke update (status) on tenants from ${app_role};
