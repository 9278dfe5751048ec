-- Sign-in attempts in flight (P14). An attempt takes a place in its account's (or unknown email's)
-- row before its password hash is computed and gives it back when the hash is checked: a wrong
-- password turns it into a failure, a right one forgets the failures. Attempts may be in flight
-- together only as long as failures + in flight stay below the limit, so parallel right passwords
-- all get in (they take turns) while parallel guesses still cannot pass the limit.
-- Each element of in_flight is the lease expiry of one attempt (unique within the row): an attempt
-- whose node died before it finished stops counting at its expiry.

alter table login_failures add column in_flight timestamptz[] not null default '{}'
    check (cardinality(in_flight) <= 1000);
grant update (in_flight) on login_failures to ${app_role};

alter table login_throttle add column in_flight timestamptz[] not null default '{}'
    check (cardinality(in_flight) <= 1000);

-- The return type and the argument list change: replace both functions (same names, so the list of
-- SECURITY DEFINER functions the runtime role may call stays the same).
drop function login_throttle_lock(bytea);
drop function login_throttle_save(bytea, integer, timestamptz, timestamptz, interval);

-- The state of one email hash, row-locked until the end of the caller's transaction (created when missing).
create function login_throttle_lock(p_hash bytea)
    returns table (failures integer, last_failure_at timestamptz, locked_until timestamptz, in_flight timestamptz[],
                   db_now timestamptz)
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    insert into public.login_throttle (email_hash) values (p_hash) on conflict do nothing;
    return query select t.failures, t.last_failure_at, t.locked_until, t.in_flight, now()
                 from public.login_throttle t where t.email_hash = p_hash for update;
end $$;

-- Stores the new state of one email hash, then forgets a few rows idle for longer than p_forget_after
-- with nothing in flight (skipping rows other transactions hold, so two callers never wait on each
-- other). A row whose only attempt died in flight has no failure time: it goes once its lease ends.
create function login_throttle_save(p_hash bytea, p_failures integer, p_last_failure_at timestamptz,
                                    p_locked_until timestamptz, p_in_flight timestamptz[], p_forget_after interval)
    returns void
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    update public.login_throttle
       set failures = p_failures, last_failure_at = p_last_failure_at, locked_until = p_locked_until,
           in_flight = p_in_flight
     where email_hash = p_hash;
    delete from public.login_throttle
     where email_hash in (select t.email_hash from public.login_throttle t
                          where (t.last_failure_at < now() - p_forget_after or t.last_failure_at is null)
                            and (t.locked_until is null or t.locked_until < now())
                            and not exists (select from unnest(t.in_flight) e where e > now())
                          limit 100 for update skip locked);
end $$;

revoke all on function login_throttle_lock(bytea) from public;
revoke all on function login_throttle_save(bytea, integer, timestamptz, timestamptz, timestamptz[], interval) from public;
grant execute on function login_throttle_lock(bytea) to ${app_role};
grant execute on function login_throttle_save(bytea, integer, timestamptz, timestamptz, timestamptz[], interval) to ${app_role};
