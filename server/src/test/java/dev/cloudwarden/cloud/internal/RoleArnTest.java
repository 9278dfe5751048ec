package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.ApiProblem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Role ARNs: AWS's shape, character by character, ASCII only; reads show a mask. */
class RoleArnTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "arn:aws:iam::123456789012:role/CloudwardenAccess",
            "arn:aws-us-gov:iam::123456789012:role/CloudwardenAccess",
            "arn:aws-cn:iam::123456789012:role/CloudwardenAccess",
            "arn:aws:iam::000000000000:role/a",
            "arn:aws:iam::123456789012:role/service-role/ops/Name_with+=,.@-chars",
            "arn:aws:iam::123456789012:role/A234567890123456789012345678901234567890123456789012345678901234"})
    void goodArnsAreAccepted(String arn) {
        RoleArn parsed = RoleArn.parse("roleArn", arn);
        assertThat(parsed.value()).isEqualTo(arn);
        assertThat(parsed.toString()).endsWith(":role/…").doesNotContain(parsed.accountId());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            " arn:aws:iam::123456789012:role/CloudwardenAccess",
            "arn:aws:iam::123456789012:role/CloudwardenAccess ",
            "arn:aws:iam::123456789012:role/CloudwardenAccess\n",
            "arn:aws:iam::12345678901:role/CloudwardenAccess",            // 11 digits
            "arn:aws:iam::1234567890123:role/CloudwardenAccess",          // 13 digits
            "arn:aws:iam::12345678901a:role/CloudwardenAccess",
            "arn:aws:iam::１２３４５６７８９０１２:role/CloudwardenAccess",   // full-width digits
            "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/CloudwardenAccess",           // Arabic-Indic digits
            "arn:aws:iam::123456789012:role/Cloudwarden\u0410ccess",      // Cyrillic A
            "arn:aws:iam::123456789012:role/Cloudwarden\u200bAccess",     // zero-width space
            "arn:aws:iam::123456789012:role/",                            // no name
            "arn:aws:iam::123456789012:role/A2345678901234567890123456789012345678901234567890123456789012345", // 65 characters
            "arn:aws:iam::123456789012:user/CloudwardenAccess",           // a user, not a role
            "arn:aws:sts::123456789012:assumed-role/CloudwardenAccess/x",
            "arn:aws:iam:us-east-1:123456789012:role/CloudwardenAccess",  // IAM has no region
            "arn:aws-iso:iam::123456789012:role/CloudwardenAccess",       // a partition we do not serve
            "arn:AWS:iam::123456789012:role/CloudwardenAccess",
            "arn:aws:iam::123456789012:role/x' OR '1'='1",
            "arn:aws:iam::123456789012:role/x;drop table cloud_accounts",
            "arn:aws:iam::123456789012:role/<script>alert(1)</script>",
            "arn:aws:iam::123456789012:role/${jndi:ldap://x}",
            "arn:aws:iam::123456789012:role//double-slash",
            "arn:aws:iam::123456789012:role/%2e%2e",
            "arn:aws:iam::123456789012:role/a\u0000b"})
    void badArnsAreRefusedNamingTheField(String arn) {
        assertThatThrownBy(() -> RoleArn.parse("roleArn", arn)).isInstanceOfSatisfying(ApiProblem.class, p -> {
            assertThat(p.field()).isEqualTo("roleArn");
            assertThat(p.status().value()).isEqualTo(400);
            assertThat(p.getMessage()).doesNotContain("script").doesNotContain("jndi").doesNotContain("drop");
        });
    }

    @Test
    void aMissingOrHugeArnIsRefused() {
        assertThatThrownBy(() -> RoleArn.parse("roleArn", null)).hasMessageContaining("roleArn: is required");
        String huge = "arn:aws:iam::123456789012:role/" + "a/".repeat(1100) + "x";
        assertThatThrownBy(() -> RoleArn.parse("roleArn", huge)).isInstanceOf(ApiProblem.class);
        String longPath = "arn:aws:iam::123456789012:role/" + "ab/".repeat(180) + "x";
        assertThatThrownBy(() -> RoleArn.parse("roleArn", longPath)).hasMessageContaining("512");
    }

    @Test
    void theMaskShowsTheFirstAndLastFourDigitsOfTheAccountOnly() {
        RoleArn arn = RoleArn.parse("roleArn", "arn:aws:iam::123456789012:role/team/SecretName");
        assertThat(arn.masked()).isEqualTo("arn:aws:iam::1234****9012:role/…");
        assertThat(arn.toString()).isEqualTo(arn.masked());
    }
}
