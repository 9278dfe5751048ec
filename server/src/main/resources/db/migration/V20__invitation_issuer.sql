-- Who sent an emailed link: for an invitation, the OWNER or ADMIN who invited (or resent the
-- invitation), shown to the organisation's admins with the pending invitations and to the invitee on
-- the accept page. Null for password resets (the person asked for it themselves) and for invitations
-- sent before this column existed. A user of the same tenant: the composite key says so, like every
-- other reference to users (one_time_tokens already references users, so the purge order is unchanged).
alter table one_time_tokens add column issued_by uuid,
    add constraint one_time_tokens_issuer_fkey foreign key (tenant_id, issued_by) references users (tenant_id, id);
