package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.crypto.KeyEncryptionKey;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The platform key behind login_throttle: one per platform (every node hashes alike), stored only
 * wrapped, kept through an outage of its KEK, replaced only when its KEK is gone for good.
 * (Same context as BruteForceTest.)
 */
@TestPropertySource(properties = {
        "cloudwarden.brute-force.max-failures=3",
        "cloudwarden.brute-force.first-wait=PT2S",
        "cloudwarden.brute-force.max-wait=PT8S"})
class EmailHashKeyTest extends IntegrationTest {

    @Autowired
    EmailHashKey key;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    KeyEncryptionKey kek;
    @Autowired
    CloudwardenProperties platform;

    @Test
    void everyNodeHashesAnEmailAlikeAndTheKeyIsStoredOnlyWrapped() throws Exception {
        byte[] hash = key.hash("someone@example.com");
        EmailHashKey anotherNode = new EmailHashKey(jdbc, tx, kek, platform);
        assertThat(anotherNode.hash("someone@example.com")).hasSize(32).isEqualTo(hash);
        assertThat(key.hash("someone.else@example.com")).isNotEqualTo(hash);
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("select count(*), min(kek_id) from login_throttle_key");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
            assertThat(rs.getString(2)).isEqualTo(kek.id());
        }
    }

    @Test
    void aKeyThatItsOwnKekCannotOpenIsNotReplacedButOneWrappedByAGoneKekIs() throws Exception {
        key.hash("load@example.com"); // make sure the key exists
        byte[][] saved = new byte[1][];
        String[] savedKek = new String[1];
        try (Connection c = TestDatabase.asAdmin()) {
            try (PreparedStatement ps = c.prepareStatement("select keyset, kek_id from login_throttle_key"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                saved[0] = rs.getBytes(1);
                savedKek[0] = rs.getString(2);
            }
            try {
                set(c, "garbage".getBytes(), kek.id());
                assertThatThrownBy(() -> new EmailHashKey(jdbc, tx, kek, platform).hash("x@example.com"))
                        .as("the same KEK failing is an outage or damage, not a reason to start a new key")
                        .hasMessageContaining("cannot be unwrapped");
                assertThat(stored(c)).isEqualTo("garbage".getBytes());

                set(c, "garbage".getBytes(), "aws-kms:alias/retired");
                byte[] fresh = new EmailHashKey(jdbc, tx, kek, platform).hash("x@example.com");
                assertThat(fresh).hasSize(32);
                assertThat(stored(c)).isNotEqualTo("garbage".getBytes());
                assertThat(new EmailHashKey(jdbc, tx, kek, platform).hash("x@example.com")).as("the replacement is shared").isEqualTo(fresh);
            } finally {
                set(c, saved[0], savedKek[0]);
            }
        }
    }

    private static void set(Connection c, byte[] keyset, String kekId) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("update login_throttle_key set keyset = ?, kek_id = ?")) {
            ps.setBytes(1, keyset);
            ps.setString(2, kekId);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static byte[] stored(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("select keyset from login_throttle_key"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBytes(1);
        }
    }
}
