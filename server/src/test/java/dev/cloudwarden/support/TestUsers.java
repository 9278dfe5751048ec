package dev.cloudwarden.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Adds a user to a tenant behind the API (invitations come with their own issue), with the same
 * password hash as the tenant's owner, so a test can sign in as them with {@link Api#PASSWORD}.
 */
public final class TestUsers {

    public record User(UUID id, String email) {
    }

    private TestUsers() {
    }

    public static User add(Api.Tenant t, String role) throws SQLException {
        String email = Api.uniqueEmail(role.toLowerCase());
        UUID id = UUID.randomUUID();
        try (Connection c = TestDatabase.asAdmin()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into users (id, tenant_id, email, password_hash, role)
                    select ?, tenant_id, ?, password_hash, ? from users where id = ?""")) {
                ps.setObject(1, id);
                ps.setString(2, email);
                ps.setString(3, role);
                ps.setObject(4, t.userId());
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement ps = c.prepareStatement("insert into login_directory (email, tenant_id, user_id) values (?, ?, ?)")) {
                ps.setString(1, email);
                ps.setObject(2, t.tenantId());
                ps.setObject(3, id);
                ps.executeUpdate();
            }
        }
        return new User(id, email);
    }
}
