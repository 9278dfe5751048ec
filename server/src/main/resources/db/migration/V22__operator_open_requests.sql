-- Offboarding ends every open request and grant of the operator who leaves, in whichever tenant: this finds
-- them, however many requests the platform has. Only the ids and tenants: the ending itself runs in each
-- tenant's own transaction and history.
create function operator_open_requests_of(p_operator uuid)
    returns table (id uuid, tenant_id uuid)
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select r.id, r.tenant_id from public.access_requests r
        where r.operator_id = p_operator and r.status in ('PENDING', 'ACTIVE')
        order by r.requested_at, r.id
    $$;
create index access_requests_open_of on access_requests (operator_id) where status in ('PENDING', 'ACTIVE');

revoke all on function operator_open_requests_of(uuid) from public;
grant execute on function operator_open_requests_of(uuid) to ${app_role};
