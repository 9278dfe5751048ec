package dev.cloudwarden.cloudsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.cloudsim.Policy.Decision;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written JSON reader is strict, and the simplified policy evaluation does what {@link Policy} says. */
class JsonAndPolicyTest {

    @Test
    void jsonReadsWhatKmsAndPoliciesSend() {
        Map<String, Object> parsed = Json.parseObject(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"x\\\"\\\\\\/\\n\\u00e9\"}} ");
        assertThat(parsed.get("a")).isEqualTo(Arrays.asList(new BigDecimal("1"), new BigDecimal("-2.5e3"), true, false, null));
        assertThat(((Map<?, ?>) parsed.get("b")).get("c")).isEqualTo("x\"\\/\né");
        assertThat(Json.parse("[]")).isEqualTo(List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "01", "1.", "-", "\"\t\"",
            "\"\\x\"", "\"\\u12\"", "NaN", "tru", "{\"a\" 1}", "[1 2]", "\"unterminated"})
    void jsonRefusesWhatIsNotJson(String text) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonWritesEscapedText() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "a\"b\\c\n\u0001");
        value.put("n", List.of(1, new BigDecimal("1.500"), true));
        value.put("z", null);
        String written = Json.write(value);
        assertThat(written).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":[1,1.500,true],\"z\":null}");
        assertThat(((Map<?, ?>) Json.parse(written)).get("s")).isEqualTo("a\"b\\c\n\u0001");
    }

    @Test
    void actionsMatchWithWildcardsCaseInsensitively() {
        Policy p = Policy.parse("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["EC2:describe*","kms:Encr?pt"],"Resource":"*"}}""");
        assertThat(p.evaluate("ec2:DescribeInstances", null)).isEqualTo(Decision.ALLOW);
        assertThat(p.evaluate("ec2:StopInstances", null)).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("kms:Encrypt", null)).isEqualTo(Decision.ALLOW);
        assertThat(p.evaluate("kms:Decrypt", null)).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(Policy.parse(CloudSim.READ_ONLY_POLICY).evaluate("ec2:DescribeSnapshots", null)).isEqualTo(Decision.ALLOW);
        assertThat(Policy.parse(CloudSim.READ_ONLY_POLICY).evaluate("ec2:CreateSnapshot", null)).isEqualTo(Decision.IMPLICIT_DENY);
    }

    @Test
    void notActionAndAnExplicitDenyWin() {
        Policy p = Policy.parse("""
                {"Statement":[{"Effect":"Allow","NotAction":"ec2:Terminate*","Resource":"*"},
                              {"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}]}""");
        assertThat(p.evaluate("ec2:StartInstances", null)).isEqualTo(Decision.ALLOW);
        assertThat(p.evaluate("ec2:TerminateInstances", null)).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("ec2:StopInstances", null)).isEqualTo(Decision.EXPLICIT_DENY);
    }

    @Test
    void resourceTagConditionsHoldOnlyForTaggedResourcesAndOtherConditionsAreConservative() {
        Policy p = Policy.parse("""
                {"Statement":[
                  {"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/env":["dev","test"]}}},
                  {"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"StringLike":{"aws:ResourceTag/team":"data-*"}}},
                  {"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
                  {"Effect":"Deny","Action":"ec2:DeleteSnapshot","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}""");
        assertThat(p.evaluate("ec2:StopInstances", Map.of("env", "test"))).isEqualTo(Decision.ALLOW);
        assertThat(p.evaluate("ec2:StopInstances", Map.of("env", "prod"))).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("ec2:StopInstances", Map.of())).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("ec2:StopInstances", null)).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("ec2:StartInstances", Map.of("team", "data-eng"))).isEqualTo(Decision.ALLOW);
        assertThat(p.evaluate("ec2:CreateTags", Map.of())).isEqualTo(Decision.IMPLICIT_DENY);
        assertThat(p.evaluate("ec2:DeleteSnapshot", Map.of())).isEqualTo(Decision.EXPLICIT_DENY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{}", "{\"Statement\":[]}",
            "{\"Version\":\"2020-01-01\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Resource\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2 Describe\",\"Resource\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}}"})
    void malformedPoliciesAreRefused(String document) {
        assertThatThrownBy(() -> Policy.parse(document)).isInstanceOf(IllegalArgumentException.class);
    }
}
