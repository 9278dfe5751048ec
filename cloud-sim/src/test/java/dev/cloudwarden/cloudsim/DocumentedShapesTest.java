package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.assume;
import static dev.cloudwarden.cloudsim.Sandbox.elementPaths;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The sandbox's XML against the structure of AWS's documented example responses (API Reference,
 * "Examples" of each action): the element paths below restate those examples' structure, so a
 * client parsing AWS's answers by hand would parse the sandbox's too.
 */
class DocumentedShapesTest {

    static final String ACCOUNT = "777700000001";
    static final CloudSim.Role ROLE = new CloudSim.Role(ACCOUNT, "Shapes", PLATFORM_ARN, "ext-s", Sandbox.OPERATOR_POLICY);

    static CloudSim sim;
    static AwsSessionCredentials session;

    @BeforeAll
    static void start() throws Exception {
        sim = Sandbox.start();
        sim.addRole(ROLE);
        sim.seedDemo(ACCOUNT);
        session = assume(sim, ROLE, "shapes");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static List<String> under(String prefix, String... relative) {
        return Stream.of(relative).map(r -> prefix + "/" + r).toList();
    }

    @Test
    void describeInstancesHasTheDocumentedReservationAndInstanceStructure() {
        Sandbox.RawBodies raw = new Sandbox.RawBodies();
        try (Ec2Client ec2 = Sandbox.ec2(sim, session, "us-east-1", raw)) {
            ec2.describeInstances();
        }
        String item = "DescribeInstancesResponse/reservationSet/item";
        String instance = item + "/instancesSet/item";
        assertThat(elementPaths(raw.last()))
                .contains("xmlns=http://ec2.amazonaws.com/doc/2016-11-15/", "DescribeInstancesResponse/requestId")
                .containsAll(under(item, "reservationId", "ownerId", "groupSet", "instancesSet"))
                .containsAll(under(instance, "instanceId", "imageId", "instanceState/code", "instanceState/name", "privateDnsName",
                        "dnsName", "amiLaunchIndex", "productCodes", "instanceType", "launchTime", "placement/availabilityZone",
                        "placement/tenancy", "monitoring/state", "subnetId", "vpcId", "privateIpAddress", "sourceDestCheck",
                        "groupSet/item/groupId", "groupSet/item/groupName", "architecture", "rootDeviceType", "rootDeviceName",
                        "blockDeviceMapping/item/deviceName", "blockDeviceMapping/item/ebs/volumeId", "blockDeviceMapping/item/ebs/status",
                        "blockDeviceMapping/item/ebs/attachTime", "blockDeviceMapping/item/ebs/deleteOnTermination", "virtualizationType",
                        "tagSet/item/key", "tagSet/item/value", "hypervisor", "ebsOptimized"));
        assertThat(raw.last()).containsPattern("<launchTime>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z</launchTime>");
    }

    @Test
    void describeRegionsHasTheDocumentedRegionInfoStructure() {
        Sandbox.RawBodies raw = new Sandbox.RawBodies();
        try (Ec2Client ec2 = Sandbox.ec2(sim, session, "us-east-1", raw)) {
            ec2.describeRegions();
        }
        assertThat(elementPaths(raw.last())).contains("xmlns=http://ec2.amazonaws.com/doc/2016-11-15/", "DescribeRegionsResponse/requestId",
                "DescribeRegionsResponse/regionInfo/item/regionName", "DescribeRegionsResponse/regionInfo/item/regionEndpoint",
                "DescribeRegionsResponse/regionInfo/item/optInStatus");
    }

    @Test
    void createSnapshotHasTheDocumentedFlatStructure() {
        Sandbox.RawBodies raw = new Sandbox.RawBodies();
        String volume = sim.account(ACCOUNT).volumes("us-east-1").getFirst().id();
        try (Ec2Client ec2 = Sandbox.ec2(sim, session, "us-east-1", raw)) {
            ec2.createSnapshot(b -> b.volumeId(volume).description("Daily Backup"));
        }
        // the documented example answers the snapshot's fields directly under the root, not in a snapshotSet
        assertThat(elementPaths(raw.last())).contains("xmlns=http://ec2.amazonaws.com/doc/2016-11-15/")
                .containsAll(under("CreateSnapshotResponse", "requestId", "snapshotId", "volumeId", "status", "startTime", "progress",
                        "ownerId", "volumeSize", "description", "encrypted"))
                .noneMatch(p -> p.contains("snapshotSet"));
        assertThat(raw.last()).contains("<status>pending</status>", "<description>Daily Backup</description>");
    }

    @Test
    void ec2ErrorsHaveTheDocumentedErrorStructure() {
        Sandbox.RawBodies raw = new Sandbox.RawBodies();
        try (Ec2Client ec2 = Sandbox.ec2(sim, session, "us-east-1", raw)) {
            assertThatThrownBy(() -> ec2.describeInstances(b -> b.instanceIds("i-0000000000000000a"))).isNotNull();
        }
        // no namespace on EC2's error documents; "RequestID" with a capital D, unlike the successes' requestId
        assertThat(elementPaths(raw.last())).containsExactlyInAnyOrder("xmlns=null", "Response", "Response/Errors", "Response/Errors/Error",
                "Response/Errors/Error/Code", "Response/Errors/Error/Message", "Response/RequestID");
    }

    @Test
    void assumeRoleAndStsErrorsHaveTheDocumentedStructure() {
        Sandbox.RawBodies raw = new Sandbox.RawBodies();
        try (StsClient sts = StsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(PLATFORM)).overrideConfiguration(o -> o.addExecutionInterceptor(raw))
                .build()) {
            sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("documented").externalId("ext-s").sourceIdentity("DevUser123")
                    .policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:Describe*\",\"Resource\":\"*\"}]}"));
            assertThat(elementPaths(raw.last())).contains("xmlns=https://sts.amazonaws.com/doc/2011-06-15/")
                    .containsAll(under("AssumeRoleResponse/AssumeRoleResult", "SourceIdentity", "AssumedRoleUser/Arn",
                            "AssumedRoleUser/AssumedRoleId", "Credentials/AccessKeyId", "Credentials/SecretAccessKey",
                            "Credentials/SessionToken", "Credentials/Expiration", "PackedPolicySize"))
                    .contains("AssumeRoleResponse/ResponseMetadata/RequestId");
            assertThat(raw.last()).containsPattern("<Expiration>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ</Expiration>")
                    .contains("<SourceIdentity>DevUser123</SourceIdentity>");

            assertThatThrownBy(() -> sts.assumeRole(b -> b.roleArn(ROLE.arn()).roleSessionName("documented").externalId("wrong"))).isNotNull();
            assertThat(elementPaths(raw.last())).contains("xmlns=https://sts.amazonaws.com/doc/2011-06-15/", "ErrorResponse/Error/Type",
                    "ErrorResponse/Error/Code", "ErrorResponse/Error/Message", "ErrorResponse/RequestId");
        }
    }
}
