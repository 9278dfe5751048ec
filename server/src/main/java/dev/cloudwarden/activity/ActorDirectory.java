package dev.cloudwarden.activity;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/** Current emails of the tenant in scope's users, for showing who acted; kept by the identity module. */
public interface ActorDirectory {

    /** The users among {@code userIds} that still exist, by id (erased users are simply absent). */
    Map<UUID, String> emails(Collection<UUID> userIds);
}
