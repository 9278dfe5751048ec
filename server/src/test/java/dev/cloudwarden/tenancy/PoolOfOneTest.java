package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The server with a pool of exactly one database connection: every request of both tenants runs
 * on the same physical connection, one after another, and none may see the other's data.
 */
@TestPropertySource(properties = "cloudwarden.database.pool-size=1")
class PoolOfOneTest extends IntegrationTest {

    @Autowired
    HikariDataSource dataSource;
    @Autowired
    TenantContext tenants;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    JdbcClient jdbc;

    @Test
    void interleavedRequestsOfTwoTenantsNeverMix() throws Exception {
        assertThat(dataSource.getMaximumPoolSize()).isEqualTo(1);
        Api.Tenant a = api.signUpAndSignIn("Pool A");
        Api.Tenant b = api.signUpAndSignIn("Pool B");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Api.Tenant t = i % 2 == 0 ? a : b;
                results.add(pool.submit(requestsAs(t)));
            }
            for (Future<List<String>> result : results) {
                assertThat(result.get()).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Callable<List<String>> requestsAs(Api.Tenant t) {
        return () -> {
            List<String> problems = new ArrayList<>();
            Api.Response me = api.get("/api/v1/me", t.token());
            if (me.status() != 200 || !me.json().get("tenantId").asString().equals(t.tenantId().toString())) {
                problems.add("me: " + me.status() + " " + me.body());
            }
            Api.Response users = api.get("/api/v1/users", t.token());
            if (users.status() != 200 || users.json().size() != 1
                    || !users.json().get(0).get("id").asString().equals(t.userId().toString())) {
                problems.add("users: " + users.status() + " " + users.body());
            }
            return problems;
        };
    }

    @Test
    void aTransactionWithoutTenantOnTheSameConnectionSeesNothingAfterATenantsTransaction() {
        Api.Tenant a = api.signUpAndSignIn("Pool C");
        long seenByA = tenants.callAs(a.tenantId(), () -> tx.execute(s -> count()));
        long seenWithout = tx.execute(s -> count());
        long seenWithoutTx = count();
        assertThat(seenByA).isEqualTo(1);
        assertThat(seenWithout).isZero();
        assertThat(seenWithoutTx).isZero();
    }

    @Test
    void aScopeRefusesToSwitchTenants() {
        UUID one = UUID.randomUUID();
        UUID two = UUID.randomUUID();
        tenants.runAs(one, () -> org.assertj.core.api.Assertions
                .assertThatThrownBy(() -> tenants.runAs(two, () -> { }))
                .isInstanceOf(IllegalStateException.class));
        assertThat(tenants.current()).isEmpty();
    }

    private long count() {
        return jdbc.sql("select count(*) from users").query(Long.class).single();
    }

}
