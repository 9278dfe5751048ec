-- The subscription lifecycle (docs/lifecycle.md, promise P17): ACTIVE -> TERMINATED (data kept, nothing
-- runs, nobody signs in) -> purged (every row gone, keysets destroyed, a tombstone left). The runtime
-- role cannot change a tenant's status itself (V7 revoked it): termination, renewal and the purge are
-- functions below, owned by the owner role, that check the rules here, whatever the application asks.

alter table tenants
    add column terminated_at timestamptz,
    add column purge_after timestamptz,
    add column purge_notice_sent_at timestamptz,
    add constraint lifecycle_dates check (
        (status = 'ACTIVE' and terminated_at is null and purge_after is null and purge_notice_sent_at is null)
        or (status = 'TERMINATED' and terminated_at is not null and purge_after > terminated_at));
grant update (purge_notice_sent_at) on tenants to ${app_role};

-- What is left of a purged tenant: no customer data, only its id, dates, how many rows of each table
-- were deleted and the head of its activity chain when the purge began (an export taken before can
-- still be checked against it). purged_at is null while the purge is under way.
create table tenant_tombstones (
    id                  uuid primary key,            -- the purged tenant's id (not a tenant_id: nothing to scope)
    created_at          timestamptz not null,
    terminated_at       timestamptz not null,
    purge_after         timestamptz not null,
    purge_started_at    timestamptz not null,
    purged_at           timestamptz,
    row_counts          jsonb not null default '{}' check (jsonb_typeof(row_counts) = 'object'),
    activity_seq        bigint not null check (activity_seq >= 0),
    activity_head_hash  bytea not null check (length(activity_head_hash) = 32),
    announced_at        timestamptz    -- when the server recorded the purge in the platform's history (once)
);
grant select on tenant_tombstones to ${app_role};
grant update (announced_at) on tenant_tombstones to ${app_role};

-- The shortest retention the database accepts, whatever the application asks: 60 days; in dev the
-- migration step lowers it to a minute so the cycle can be tried (DatabaseMigrations). Only the owner
-- role writes it; the runtime role cannot read or change it.
create table lifecycle_policy (
    id                 boolean primary key default true check (id),
    minimum_retention  interval not null check (minimum_retention > interval '0')
);
insert into lifecycle_policy (minimum_retention) values (interval '60 days');

-- Terminating: only the tenant in scope, only an active one, with at least the minimum retention.
-- Answers the dates, or nothing when it was not active.
create function tenant_terminate(p_tenant uuid, p_retention interval)
    returns table (terminated_at timestamptz, purge_after timestamptz)
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
declare
    minimum interval := (select p.minimum_retention from public.lifecycle_policy p);
    after timestamptz := now() + p_retention;
begin
    if p_tenant is null or p_tenant is distinct from public.current_tenant_id() then
        raise exception 'only the tenant in scope can be terminated' using errcode = '42501';
    end if;
    -- compared as the dates they give: an interval mixing signs ('-200 months 6088 days') can compare
    -- above the minimum and still end in a minute
    if after is null or after < now() + minimum then
        raise exception 'the retention must be at least %', minimum using errcode = '22023';
    end if;
    return query
        update public.tenants t set status = 'TERMINATED', terminated_at = now(), purge_after = after
        where t.id = p_tenant and t.status = 'ACTIVE'
        returning t.terminated_at, t.purge_after;
end $$;

-- Renewing: only inside the window; its data was never touched, so it is whole again.
create function tenant_renew(p_tenant uuid) returns boolean
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
begin
    if p_tenant is null or p_tenant is distinct from public.current_tenant_id() then
        raise exception 'only the tenant in scope can be renewed' using errcode = '42501';
    end if;
    -- the row first, in a statement of its own: a purge step holding it commits before the checks below
    -- are made, and they then see its tombstone
    perform 1 from public.tenants where id = p_tenant for update;
    update public.tenants set status = 'ACTIVE', terminated_at = null, purge_after = null, purge_notice_sent_at = null
    where id = p_tenant and status = 'TERMINATED' and purge_after > now()
      and not exists (select 1 from public.tenant_tombstones b where b.id = p_tenant); -- a purge under way is not undone
    return found;
end $$;

-- The daily lifecycle pass finds terminated tenants; ids and dates only, and what is due by the database's clock.
create policy lifecycle on tenants for select to ${owner_role} using (true);
create function tenants_in_lifecycle(p_notice interval)
    returns table (tenant_id uuid, purge_after timestamptz, notice_due boolean, purge_due boolean)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select t.id, t.purge_after, t.purge_notice_sent_at is null and t.purge_after - p_notice <= now(), t.purge_after <= now()
        from public.tenants t where t.status = 'TERMINATED' order by t.purge_after, t.id
    $$;

-- Every table holding a tenant's rows, found in the catalog (a tenant_id column), in an order that
-- deletes a row before any row it references: level 0 is referenced by no other tenant table.
create function purge_order() returns table (table_name text, level integer)
    language sql stable
    set search_path = pg_catalog, pg_temp
    as $$
        with recursive tenant_tables as (
            select c.oid, c.relname
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        ), edges as (
            select distinct f.conrelid as child, f.confrelid as parent
            from pg_constraint f
            where f.contype = 'f' and f.conrelid <> f.confrelid
              and f.conrelid in (select oid from tenant_tables) and f.confrelid in (select oid from tenant_tables)
        ), depth (oid, level) as (
            select oid, 0 from tenant_tables
            union all
            select e.parent, d.level + 1 from depth d join edges e on e.child = d.oid where d.level < 64
        )
        select t.relname::text, max(d.level)::integer
        from tenant_tables t join depth d on d.oid = t.oid
        group by t.relname order by 2, 1
    $$;

-- Tables the purge would miss: in the public schema, without a tenant_id column, not among those it
-- handles by name, yet pointing at a tenant's rows (a foreign key to a tenant table, or a column
-- named after tenants). The purge refuses to start while there is one; a test keeps the list empty.
create function purge_uncovered_tables() returns table (table_name text)
    language sql stable
    set search_path = pg_catalog, pg_temp
    as $$
        with handled (relname) as (
            values ('tenants'), ('tenant_tombstones'), ('spring_session'), ('spring_session_attributes'), ('scheduled_tasks')
        ), tenant_tables as (
            select table_name from public.purge_order()
        )
        select c.relname::text
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
          and c.relname not in (select relname from handled)
          and c.relname not in (select table_name from tenant_tables)
          and (exists (select 1 from pg_constraint f join pg_class p on p.oid = f.confrelid
                       where f.contype = 'f' and f.conrelid = c.oid
                         and (p.relname = 'tenants' or p.relname in (select table_name from tenant_tables)))
               or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                          and a.attname like '%tenant%'))
        order by 1
    $$;

-- The history is append-only for everyone; the one exception is the purge below: a DELETE by the
-- owner role (the runtime role never is) in a transaction that marked itself as purging the tenant in
-- scope, whose purge has begun (a tombstone without purged_at) and which is terminated and past its
-- window. Row-level security limits the delete to that tenant's rows.
create or replace function activity_append_only() returns trigger
    language plpgsql
    set search_path = pg_catalog, pg_temp
    as $$
declare
    purging uuid := nullif(current_setting('cloudwarden.purging', true), '')::uuid;
begin
    if tg_op = 'DELETE' and current_user = '${owner_role}' and purging is not null
            and purging = public.current_tenant_id()
            and exists (select 1 from public.tenant_tombstones b where b.id = purging and b.purged_at is null)
            and exists (select 1 from public.tenants t where t.id = purging and t.status = 'TERMINATED' and t.purge_after <= now()) then
        return null;
    end if;
    raise exception 'the activity history is append-only (% on %)', tg_op, tg_table_name using errcode = '42501';
end $$;

-- One bounded step of a tenant's purge, in the caller's transaction; call it until it answers null.
-- Refused unless the tenant in scope is TERMINATED and past purge_after by the database's clock, so
-- an application bug cannot purge an active tenant. The first step records the tombstone (with the
-- activity chain's head) and clears the global tables that hold the tenant's ids; each step then
-- deletes up to p_batch rows of one table, children before parents, and adds them to the tombstone's
-- counts in the same transaction: a crash loses nothing and the next call resumes. The keyset is
-- destroyed last but one (crypto-shredding), then the tenant's row, then the tombstone is completed.
create function purge_tenant_step(p_tenant uuid, p_batch integer) returns text
    language plpgsql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
declare
    target record;
    n bigint;
    uncovered text;
begin
    if p_tenant is null or p_tenant is distinct from public.current_tenant_id() then
        raise exception 'only the tenant in scope can be purged' using errcode = '42501';
    end if;
    if p_batch is null or p_batch not between 1 and 100000 then
        raise exception 'the batch size must be between 1 and 100000' using errcode = '22023';
    end if;
    -- one step of a tenant at a time, and never beside its renewal: both take the tenant's row
    perform 1 from public.tenants where id = p_tenant for update;
    if exists (select 1 from public.tenant_tombstones where id = p_tenant and purged_at is not null) then
        return null;
    end if;
    if not exists (select 1 from public.tenants where id = p_tenant and status = 'TERMINATED' and purge_after <= now()) then
        raise exception 'tenant % is not terminated and past its retention window: it cannot be purged', p_tenant
            using errcode = '42501';
    end if;
    perform set_config('cloudwarden.purging', p_tenant::text, true);

    if not exists (select 1 from public.tenant_tombstones where id = p_tenant) then
        -- before the first delete (and again before the keyset goes): a table the purge would miss stops it
        select string_agg(u.table_name, ', ') into uncovered from public.purge_uncovered_tables() u;
        if uncovered is not null then
            raise exception 'the purge does not cover these tables: %', uncovered using errcode = '55000';
        end if;
    end if;
    insert into public.tenant_tombstones (id, created_at, terminated_at, purge_after, purge_started_at, activity_seq, activity_head_hash)
    select t.id, t.created_at, t.terminated_at, t.purge_after, now(), coalesce(h.seq, 0),
           coalesce(h.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    from public.tenants t left join public.activity_chain_heads h on h.tenant_id = t.id
    where t.id = p_tenant
    on conflict (id) do nothing;
    if found then
        -- global tables that hold the tenant's ids: console sessions (by user id) and scheduler entries (ids in their data);
        -- and the sign-in directory first, so no sign-in attempt finds the tenant (and writes to it) while it is purged
        delete from public.spring_session s where s.principal_name in (select u.id::text from public.users u where u.tenant_id = p_tenant);
        delete from public.scheduled_tasks s where s.task_data is not null and position(convert_to(p_tenant::text, 'UTF8') in s.task_data) > 0;
        delete from public.login_directory where tenant_id = p_tenant;
        get diagnostics n = row_count;
        update public.tenant_tombstones set row_counts = jsonb_build_object('login_directory', n) where id = p_tenant;
        return 'started';
    end if;

    for target in select o.table_name from public.purge_order() o where o.table_name <> 'tenant_keysets' loop
        execute format('delete from public.%I where tenant_id = $1 and ctid = any (array(select ctid from public.%I where tenant_id = $1 limit $2))',
                       target.table_name, target.table_name) using p_tenant, p_batch;
        get diagnostics n = row_count;
        if n > 0 then
            update public.tenant_tombstones
            set row_counts = row_counts || jsonb_build_object(target.table_name, coalesce((row_counts ->> target.table_name)::bigint, 0) + n)
            where id = p_tenant;
            return target.table_name;
        end if;
    end loop;

    select string_agg(u.table_name, ', ') into uncovered from public.purge_uncovered_tables() u;
    if uncovered is not null then
        raise exception 'the purge does not cover these tables: %', uncovered using errcode = '55000';
    end if;
    delete from public.tenant_keysets where tenant_id = p_tenant;
    get diagnostics n = row_count;
    delete from public.tenants where id = p_tenant;
    update public.tenant_tombstones
    set purged_at = now(), row_counts = row_counts || jsonb_build_object('tenant_keysets', n, 'tenants', 1)
    where id = p_tenant;
    return 'tenants';
end $$;

-- The purge runs as the owner role under the tenant's own row-level security (forced on the owner too):
-- it deletes the rows of the tenant in scope and can reach no other tenant's.
revoke all on function tenant_terminate(uuid, interval) from public;
revoke all on function tenant_renew(uuid) from public;
revoke all on function tenants_in_lifecycle(interval) from public;
revoke all on function purge_tenant_step(uuid, integer) from public;
revoke all on function purge_order() from public;
revoke all on function purge_uncovered_tables() from public;
grant execute on function tenant_terminate(uuid, interval) to ${app_role};
grant execute on function tenant_renew(uuid) to ${app_role};
grant execute on function tenants_in_lifecycle(interval) to ${app_role};
grant execute on function purge_tenant_step(uuid, integer) to ${app_role};
-- the catalog's list of tenant tables, for the purge report's check (names only; reading them stays under row-level security)
grant execute on function purge_order() to ${app_role};

-- Finding a tenant's rows by tenant_id in bounded batches needs an index for it in every table.
create index login_directory_tenant on login_directory (tenant_id);
