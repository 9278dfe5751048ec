package dev.cloudwarden.identity.internal;

import dev.cloudwarden.activity.ActorDirectory;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Current emails for the activity history's actors and targets (the chain holds ids only). */
@Component
class UserDirectory implements ActorDirectory {

    private final JdbcClient jdbc;

    UserDirectory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Map<UUID, String> emails(Collection<UUID> userIds) {
        Map<UUID, String> emails = new HashMap<>();
        jdbc.sql("select id, email from users where id = any(?)").param(userIds.toArray(UUID[]::new))
                .query(rs -> {
                    emails.put(rs.getObject(1, UUID.class), rs.getString(2));
                });
        return emails;
    }
}
