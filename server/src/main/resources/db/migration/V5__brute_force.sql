-- Brute-force protection for sign-in (P14). Two stores of the same state, driven by the same code
-- (dev.cloudwarden.abuse.BruteForceProtection), so a locked account and an unknown email behave alike:
--   login_failures  one row per known account, a tenant table under row-level security; written in the
--                   tenant's scope once login_lookup() has found the account.
--   login_throttle  one row per unknown email, keyed by an HMAC of the normalised email under a
--                   platform key (login_throttle_key, wrapped by the KEK): no plaintext email is stored.
-- The runtime role reaches the two global tables only through the SECURITY DEFINER functions below.

create table login_failures (
    tenant_id        uuid not null references tenants (id),
    user_id          uuid primary key references users (id),
    failures         integer not null default 0 check (failures >= 0),
    last_failure_at  timestamptz,
    locked_until     timestamptz
);
create index login_failures_tenant on login_failures (tenant_id);
alter table login_failures enable row level security;
alter table login_failures force row level security;
create policy tenant_isolation on login_failures
    using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
grant select, insert on login_failures to ${app_role};
grant update (failures, last_failure_at, locked_until) on login_failures to ${app_role};

-- Global: an email that belongs to no account has no tenant.
create table login_throttle (
    email_hash       bytea primary key check (length(email_hash) = 32),
    failures         integer not null default 0 check (failures >= 0),
    last_failure_at  timestamptz,
    locked_until     timestamptz
);
create index login_throttle_last_failure on login_throttle (last_failure_at);

-- Global: the platform's PRF keyset for login_throttle.email_hash, wrapped by the KEK (one row).
create table login_throttle_key (
    id          smallint primary key default 1 check (id = 1),
    keyset      bytea not null,
    kek_id      text not null,
    created_at  timestamptz not null default now()
);

-- The state of one email hash, row-locked until the end of the caller's transaction (created when missing).
create function login_throttle_lock(p_hash bytea)
    returns table (failures integer, last_failure_at timestamptz, locked_until timestamptz, db_now timestamptz)
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    insert into public.login_throttle (email_hash) values (p_hash) on conflict do nothing;
    return query select t.failures, t.last_failure_at, t.locked_until, now()
                 from public.login_throttle t where t.email_hash = p_hash for update;
end $$;

-- Stores the new state of one email hash, then forgets a few rows idle for longer than p_forget_after
-- (skipping rows other transactions hold, so two callers never wait on each other).
create function login_throttle_save(p_hash bytea, p_failures integer, p_last_failure_at timestamptz,
                                    p_locked_until timestamptz, p_forget_after interval)
    returns void
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    update public.login_throttle
       set failures = p_failures, last_failure_at = p_last_failure_at, locked_until = p_locked_until
     where email_hash = p_hash;
    delete from public.login_throttle
     where email_hash in (select t.email_hash from public.login_throttle t
                          where t.last_failure_at < now() - p_forget_after
                            and (t.locked_until is null or t.locked_until < now())
                          limit 100 for update skip locked);
end $$;

create function login_throttle_key_get() returns table (keyset bytea, kek_id text)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$ select k.keyset, k.kek_id from public.login_throttle_key k where k.id = 1 $$;

-- Stores the first key; a later call changes nothing unless p_replaces names the stored keyset
-- (compare-and-set, used when the stored key can no longer be unwrapped).
create function login_throttle_key_put(p_keyset bytea, p_kek_id text, p_replaces bytea) returns void
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    insert into public.login_throttle_key (id, keyset, kek_id) values (1, p_keyset, p_kek_id) on conflict do nothing;
    if p_replaces is not null then
        update public.login_throttle_key set keyset = p_keyset, kek_id = p_kek_id, created_at = now()
         where id = 1 and keyset = p_replaces;
    end if;
end $$;

revoke all on function login_throttle_lock(bytea) from public;
revoke all on function login_throttle_save(bytea, integer, timestamptz, timestamptz, interval) from public;
revoke all on function login_throttle_key_get() from public;
revoke all on function login_throttle_key_put(bytea, text, bytea) from public;
grant execute on function login_throttle_lock(bytea) to ${app_role};
grant execute on function login_throttle_save(bytea, integer, timestamptz, timestamptz, interval) to ${app_role};
grant execute on function login_throttle_key_get() to ${app_role};
grant execute on function login_throttle_key_put(bytea, text, bytea) to ${app_role};
