package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.InternetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Addresses are accepted only in a form the Mailer's own parser takes as one bare address. */
class EmailsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a<b@x.yz", "a,b@x.yz", "a\"b@x.yz", "a;b@x.yz", "a>b@x.yz", "a(b)@x.yz", "a:b@x.yz", "a[b@x.yz",
            "<j@x.yz>", "j@x.yz(comment)", "group:j@x.yz;", "j.@x.yz", ".j@x.yz", "a..b@x.yz", "j@x..yz", "j@x_y.yz", "j@x.yz.",
            "not-an-email", "a@b", "a b@x.yz", "a@b@x.yz"})
    void refusesWhatTheMailerCannotTakeAsOneBareAddress(String address) {
        assertThat(Emails.normalize(address)).isNull();
    }

    @Test
    void acceptsPlainAddressesInCanonicalForm() {
        assertThat(Emails.normalize("  Jane.Doe+ops@Example.COM ")).isEqualTo("jane.doe+ops@example.com");
        assertThat(Emails.normalize("o'brien@x.yz")).isEqualTo("o'brien@x.yz");
        assertThat(Emails.normalize("\"quoted\"@x.yz")).isEqualTo("\"quoted\"@x.yz");
        assertThat(Emails.normalize(null)).isNull();
        assertThat(Emails.normalize("x".repeat(250) + "@example.com")).isNull();
    }

    /** Sign-in looks an existing account up by the plain canonical form only, so older accounts keep working. */
    @Test
    void theLookupFormKeepsThePlainRule() {
        assertThat(Emails.canonical(" A<B@X.yz")).isEqualTo("a<b@x.yz");
        assertThat(Emails.canonical("not-an-email")).isNull();
        assertThat(Emails.canonical(null)).isNull();
    }

    /** Whatever character sits in the local part or the domain: accepted only if the Mailer can send to it. */
    @Test
    void everyAcceptedAddressIsOneTheMailerTakes() throws Exception {
        int accepted = 0;
        for (char c = 0x21; c < 0x7f; c++) {
            for (String candidate : new String[] {"a" + c + "b@x.yz", c + "b@x.yz", "a" + c + "@x.yz", "a@x" + c + "y.yz", "a@x.y" + c + "z"}) {
                String normalized = Emails.normalize(candidate);
                if (normalized != null) {
                    accepted++;
                    InternetAddress parsed = new InternetAddress(normalized, true);
                    assertThat(parsed.getAddress()).as(candidate).isEqualTo(normalized);
                    assertThat(parsed.getPersonal()).as(candidate).isNull();
                    assertThat(parsed.isGroup()).as(candidate).isFalse();
                }
            }
        }
        assertThat(accepted).as("the check is not refusing everything").isGreaterThan(100);
    }
}
