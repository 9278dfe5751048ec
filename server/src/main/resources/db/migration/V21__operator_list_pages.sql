-- The operators' console lists every tenant and every tenant's access requests: lists that no tenant bounds, so
-- they are counted and read a page at a time here, filtered in SQL, instead of read whole (or cut at a limit that
-- silently dropped the rest). The same metadata as operator_tenants() and operator_access_requests() (V15), through
-- functions of the same kind: security definer, for the runtime role, nothing but what operators already see.
-- A filter that is empty matches everything; a part of a text is looked for with strpos, so '%' and '_' are
-- letters like any other.

-- Tenants whose id contains p_id_part, with status p_status.
create function operator_tenant_count(p_id_part text, p_status text)
    returns bigint
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select count(*) from public.tenants t
        where (p_id_part = '' or strpos(t.id::text, lower(p_id_part)) > 0)
          and (p_status = '' or t.status = p_status)
    $$;

-- One page of them, newest first; the counts are made for the page's rows only.
create function operator_tenant_page(p_id_part text, p_status text, p_limit integer, p_offset integer)
    returns table (id uuid, status text, created_at timestamptz, terminated_at timestamptz, purge_after timestamptz,
                   lockbox_required boolean, users bigint, cloud_accounts bigint, jobs bigint)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        with page as (
            select t.id, t.status, t.created_at, t.terminated_at, t.purge_after, t.lockbox_required
            from public.tenants t
            where (p_id_part = '' or strpos(t.id::text, lower(p_id_part)) > 0)
              and (p_status = '' or t.status = p_status)
            order by t.created_at desc, t.id
            limit least(greatest(p_limit, 1), 100) offset greatest(p_offset, 0)
        )
        select p.id, p.status, p.created_at, p.terminated_at, p.purge_after, p.lockbox_required,
               (select count(*) from public.users u where u.tenant_id = p.id),
               (select count(*) from public.cloud_accounts a where a.tenant_id = p.id),
               (select count(*) from public.jobs j where j.tenant_id = p.id)
        from page p
        order by p.created_at desc, p.id
    $$;

-- Access requests whose ticket or reason contains p_text (any case), with status p_status.
create function operator_access_request_count(p_text text, p_status text)
    returns bigint
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select count(*) from public.access_requests r
        where (p_text = '' or strpos(lower(r.ticket), lower(p_text)) > 0 or strpos(lower(r.reason), lower(p_text)) > 0)
          and (p_status = '' or r.status = p_status)
    $$;

-- One page of them, newest first.
create function operator_access_request_page(p_text text, p_status text, p_limit integer, p_offset integer)
    returns table (id uuid, tenant_id uuid, operator_id uuid, scopes text[], reason text, ticket text, duration_minutes integer,
                   lockbox boolean, status text, requested_at timestamptz, admin_id uuid, admin_at timestamptz,
                   customer_at timestamptz, activated_at timestamptz, expires_at timestamptz, ended_at timestamptz, ended_by text)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select r.id, r.tenant_id, r.operator_id, r.scopes, r.reason, r.ticket, r.duration_minutes, r.lockbox, r.status,
               r.requested_at, r.admin_id, r.admin_at, r.customer_at, r.activated_at, r.expires_at, r.ended_at, r.ended_by
        from public.access_requests r
        where (p_text = '' or strpos(lower(r.ticket), lower(p_text)) > 0 or strpos(lower(r.reason), lower(p_text)) > 0)
          and (p_status = '' or r.status = p_status)
        order by r.requested_at desc, r.id
        limit least(greatest(p_limit, 1), 100) offset greatest(p_offset, 0)
    $$;

-- Each list's order, so that an unfiltered page is read from an index, not sorted whole.
create index tenants_newest on tenants (created_at desc, id);
create index access_requests_newest on access_requests (requested_at desc, id);
create index tenant_tombstones_newest on tenant_tombstones (purge_started_at desc, id);

revoke all on function operator_tenant_count(text, text) from public;
revoke all on function operator_tenant_page(text, text, integer, integer) from public;
revoke all on function operator_access_request_count(text, text) from public;
revoke all on function operator_access_request_page(text, text, integer, integer) from public;
grant execute on function operator_tenant_count(text, text) to ${app_role};
grant execute on function operator_tenant_page(text, text, integer, integer) to ${app_role};
grant execute on function operator_access_request_count(text, text) to ${app_role};
grant execute on function operator_access_request_page(text, text, integer, integer) to ${app_role};
