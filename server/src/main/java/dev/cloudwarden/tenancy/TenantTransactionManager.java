package dev.cloudwarden.tenancy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;

/**
 * The one gate of tenant scoping at the storage layer: every transaction starts by setting
 * {@code cloudwarden.tenant_id} transaction-locally to the tenant in {@link TenantContext}, or to
 * the empty string when there is none. Row-level security policies compare against it, so a
 * transaction without a tenant sees no rows and cannot write, and because the setting is
 * transaction-local a pooled connection never carries one request's tenant into the next. In a
 * read-only scope ({@link TenantContext#openReadOnly}) every transaction is also {@code READ ONLY}.
 */
public class TenantTransactionManager extends JdbcTransactionManager {

    static final String SET_TENANT = "select set_config('cloudwarden.tenant_id', ?, true)";

    private final transient TenantContext tenants;
    private final transient DatabaseAvailability availability;

    public TenantTransactionManager(DataSource dataSource, TenantContext tenants, DatabaseAvailability availability) {
        super(dataSource);
        this.tenants = tenants;
        this.availability = availability;
    }

    @Override
    protected void prepareTransactionalConnection(Connection con, TransactionDefinition definition) throws SQLException {
        super.prepareTransactionalConnection(con, definition);
        if (tenants.readOnly()) {
            // before any other statement, as PostgreSQL requires: from here on it refuses every write
            try (PreparedStatement ps = con.prepareStatement("set transaction read only")) {
                ps.execute();
            }
        }
        try (PreparedStatement ps = con.prepareStatement(SET_TENANT)) {
            ps.setString(1, tenants.current().map(Object::toString).orElse(""));
            ps.execute();
        }
        availability.reachable(); // the first statement of a transaction answered: ends a logged outage
    }
}
