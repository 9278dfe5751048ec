package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.OPERATOR_POLICY;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.assertAwsError;
import static dev.cloudwarden.cloudsim.Sandbox.assume;
import static dev.cloudwarden.cloudsim.Sandbox.ec2;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;

/** EC2 through the real SDK with assumed-role credentials: regions, instances, volumes, snapshots, tags, paging, isolation. */
class Ec2ApiTest {

    static final String A = "222200000001";
    static final String B = "222200000002";
    static final String PAGED = "222200000003";
    static final CloudSim.Role OPERATOR_A = new CloudSim.Role(A, "CloudwardenOperator", PLATFORM_ARN, "ext-a", OPERATOR_POLICY);
    static final CloudSim.Role READER_B = new CloudSim.Role(B, "CloudwardenAccess", PLATFORM_ARN, "ext-b");
    static final CloudSim.Role READER_PAGED = new CloudSim.Role(PAGED, "CloudwardenAccess", PLATFORM_ARN, "ext-p");

    static CloudSim sim;
    static AwsSessionCredentials a;

    @BeforeAll
    static void start() throws Exception {
        sim = Sandbox.start();
        sim.addRole(OPERATOR_A);
        sim.addRole(READER_B);
        sim.addRole(READER_PAGED);
        sim.seedDemo(A);
        sim.account(B).addInstance("us-east-1", "t3.micro", "running", Map.of("Name", "only-in-b", "env", "prod"));
        Account paged = sim.account(PAGED);
        for (int i = 0; i < 23; i++) {
            Account.Instance instance = paged.addInstance("eu-west-1", "t3.nano", i % 2 == 0 ? "running" : "stopped",
                    Map.of("Name", "fleet-" + i, "env", i % 2 == 0 ? "prod" : "dev"));
            paged.addVolume("eu-west-1", 8, instance.id(), Map.of("Name", "fleet-" + i + "-root"));
        }
        a = assume(sim, OPERATOR_A, "cw-ec2-test");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static List<Instance> instances(DescribeInstancesResponse r) {
        return r.reservations().stream().flatMap(res -> res.instances().stream()).toList();
    }

    static String name(Instance i) {
        return i.tags().stream().filter(t -> t.key().equals("Name")).map(Tag::value).findFirst().orElse(null);
    }

    static Filter filter(String name, String... values) {
        return Filter.builder().name(name).values(values).build();
    }

    @Test
    void describeRegionsListsTheAccountsEnabledRegionsAndAllRegionsTheOthersToo() {
        try (Ec2Client ec2 = ec2(sim, a, "us-east-1")) {
            var regions = ec2.describeRegions().regions();
            assertThat(regions).extracting(r -> r.regionName())
                    .containsExactlyInAnyOrder("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2");
            assertThat(regions).allSatisfy(r -> {
                assertThat(r.endpoint()).isEqualTo("ec2." + r.regionName() + ".amazonaws.com");
                assertThat(r.optInStatus()).isEqualTo("opt-in-not-required");
            });
            var all = ec2.describeRegions(b -> b.allRegions(true)).regions();
            assertThat(all).anySatisfy(r -> {
                assertThat(r.regionName()).isEqualTo("af-south-1");
                assertThat(r.optInStatus()).isEqualTo("not-opted-in");
            });
            assertThat(ec2.describeRegions(b -> b.regionNames("eu-west-1")).regions()).extracting(r -> r.regionName())
                    .containsExactly("eu-west-1");
            assertThat(ec2.describeRegions(b -> b.filters(filter("region-name", "eu-*"))).regions()).extracting(r -> r.regionName())
                    .containsExactlyInAnyOrder("eu-west-1", "eu-central-1");
        }
    }

    @Test
    void aDisabledRegionIsLeftOutAndRefusesCallsAsAwsRefusesANotOptedInRegion() {
        String account = "222200000009";
        CloudSim.Role role = new CloudSim.Role(account, "CloudwardenAccess", PLATFORM_ARN, "ext-9");
        sim.addRole(role);
        sim.account(account).disableRegion("ap-southeast-2");
        AwsSessionCredentials c = assume(sim, role, "regions");
        try (Ec2Client east = ec2(sim, c, "us-east-1"); Ec2Client sydney = ec2(sim, c, "ap-southeast-2")) {
            assertThat(east.describeRegions().regions()).extracting(r -> r.regionName()).doesNotContain("ap-southeast-2").hasSize(5);
            assertThat(east.describeRegions(b -> b.allRegions(true)).regions())
                    .anySatisfy(r -> assertThat(r.regionName() + "=" + r.optInStatus()).isEqualTo("ap-southeast-2=not-opted-in"));
            assertAwsError(sydney::describeInstances, 401, "AuthFailure");
        }
    }

    @Test
    void describeInstancesFiltersByTagTagKeyStateAndId() {
        try (Ec2Client ec2 = ec2(sim, a, "us-east-1")) {
            List<Instance> all = instances(ec2.describeInstances());
            assertThat(all).extracting(Ec2ApiTest::name).containsExactlyInAnyOrder("web-prod-1", "web-prod-2", "batch-dev");
            assertThat(all).allSatisfy(i -> {
                assertThat(i.instanceId()).matches("i-[0-9a-f]{17}");
                assertThat(i.placement().availabilityZone()).isEqualTo("us-east-1a");
                assertThat(i.launchTime()).isNotNull();
            });

            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("tag:env", "prod"))))).extracting(Ec2ApiTest::name)
                    .containsExactlyInAnyOrder("web-prod-1", "web-prod-2");
            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("tag:Name", "web-*", "nothing"))))).hasSize(2);
            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("tag-key", "team"))))).hasSize(3);
            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("tag-key", "cost-centre"))))).isEmpty();
            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("instance-state-name", "running"))))).extracting(Ec2ApiTest::name)
                    .containsExactlyInAnyOrder("web-prod-1", "web-prod-2", "batch-dev");
            assertThat(instances(ec2.describeInstances(b -> b.filters(filter("instance-state-name", "stopped"))))).isEmpty();

            String id = all.getFirst().instanceId();
            assertThat(instances(ec2.describeInstances(b -> b.instanceIds(id)))).extracting(Instance::instanceId).containsExactly(id);
        }
        try (Ec2Client ireland = ec2(sim, a, "eu-west-1")) {
            assertThat(instances(ireland.describeInstances())).extracting(Ec2ApiTest::name)
                    .containsExactlyInAnyOrder("api-eu-prod", "sandbox-dev");
            List<Instance> stopped = instances(ireland.describeInstances(b -> b.filters(filter("instance-state-name", "stopped"))));
            assertThat(stopped).extracting(Ec2ApiTest::name).containsExactly("sandbox-dev");
            assertThat(stopped.getFirst().state().code()).isEqualTo(80);
            assertThat(instances(ireland.describeInstances(b -> b.filters(filter("tag:env", "prod"), filter("instance-state-name", "stopped")))))
                    .isEmpty();
        }
    }

    @Test
    void unknownMalformedAndForeignInstanceIdsAreEc2Errors() {
        String inIreland = sim.account(A).instances("eu-west-1").getFirst().id();
        try (Ec2Client ec2 = ec2(sim, a, "us-east-1")) {
            assertAwsError(() -> ec2.describeInstances(b -> b.instanceIds("i-0123456789abcdef0")), 400, "InvalidInstanceID.NotFound");
            assertAwsError(() -> ec2.describeInstances(b -> b.instanceIds("i-nothex")), 400, "InvalidInstanceID.Malformed");
            assertAwsError(() -> ec2.describeInstances(b -> b.instanceIds(inIreland)), 400, "InvalidInstanceID.NotFound");
            assertAwsError(() -> ec2.describeInstances(b -> b.filters(filter("no-such-filter", "x"))), 400, "InvalidParameterValue");
            assertAwsError(() -> ec2.describeInstances(b -> b.maxResults(4)), 400, "InvalidParameterValue");
            assertAwsError(() -> ec2.describeInstances(b -> b.maxResults(5).instanceIds(inIreland)), 400, "InvalidParameterCombination");
            assertAwsError(() -> ec2.describeInstances(b -> b.nextToken("garbage")), 400, "InvalidPaginationToken");
        }
    }

    @Test
    void theDescribeInstancesPaginatorWalksEveryPage() {
        AwsSessionCredentials c = assume(sim, READER_PAGED, "pages");
        try (Ec2Client ec2 = ec2(sim, c, "eu-west-1")) {
            sim.clearCalls();
            List<DescribeInstancesResponse> pages = ec2.describeInstancesPaginator(b -> b.maxResults(5)).stream().toList();
            assertThat(pages).extracting(p -> instances(p).size()).containsExactly(5, 5, 5, 5, 3);
            List<String> ids = pages.stream().flatMap(p -> instances(p).stream()).map(Instance::instanceId).toList();
            assertThat(ids).doesNotHaveDuplicates().hasSize(23);
            assertThat(ids).containsExactlyElementsOf(sim.account(PAGED).instances("eu-west-1").stream().map(Account.Instance::id).toList());
            assertThat(sim.calls()).filteredOn(call -> call.action().equals("DescribeInstances")).hasSize(5);

            List<String> prod = ec2.describeInstancesPaginator(b -> b.maxResults(5).filters(filter("tag:env", "prod"))).reservations()
                    .stream().flatMap(r -> r.instances().stream()).map(Instance::instanceId).toList();
            assertThat(prod).hasSize(12).doesNotHaveDuplicates();

            List<String> volumes = ec2.describeVolumesPaginator(b -> b.maxResults(5)).volumes().stream().map(Volume::volumeId).toList();
            assertThat(volumes).hasSize(23).doesNotHaveDuplicates();
        }
    }

    @Test
    void stopAndStartMoveThroughStoppingAndPendingToStoppedAndRunning() {
        String id = sim.account(A).instances("us-east-1").stream().filter(i -> i.tags().get("Name").equals("web-prod-2")).findFirst()
                .orElseThrow().id();
        try (Ec2Client ec2 = ec2(sim, a, "us-east-1")) {
            InstanceStateChange stop = ec2.stopInstances(b -> b.instanceIds(id)).stoppingInstances().getFirst();
            assertThat(stop.instanceId()).isEqualTo(id);
            assertThat(stop.previousState().nameAsString() + "/" + stop.previousState().code()).isEqualTo("running/16");
            assertThat(stop.currentState().nameAsString() + "/" + stop.currentState().code()).isEqualTo("stopping/64");
            assertThat(instances(ec2.describeInstances(b -> b.instanceIds(id))).getFirst().state().nameAsString()).isEqualTo("stopped");

            InstanceStateChange again = ec2.stopInstances(b -> b.instanceIds(id)).stoppingInstances().getFirst();
            assertThat(again.previousState().nameAsString() + ">" + again.currentState().nameAsString()).isEqualTo("stopped>stopped");

            InstanceStateChange start = ec2.startInstances(b -> b.instanceIds(id)).startingInstances().getFirst();
            assertThat(start.previousState().nameAsString() + ">" + start.currentState().nameAsString()).isEqualTo("stopped>pending");
            assertThat(start.currentState().code()).isZero();
            assertThat(instances(ec2.describeInstances(b -> b.instanceIds(id))).getFirst().state().nameAsString()).isEqualTo("running");

            assertAwsError(() -> ec2.stopInstances(b -> b.instanceIds(id).dryRun(true)), 412, "DryRunOperation");
            assertThat(sim.account(A).instances("us-east-1")).filteredOn(i -> i.id().equals(id)).extracting(Account.Instance::state)
                    .containsExactly("running");
            assertAwsError(() -> ec2.startInstances(b -> b.instanceIds("i-0000000000000000f")), 400, "InvalidInstanceID.NotFound");
        }
    }

    @Test
    void describeVolumesFiltersByAttachmentIdTagAndStatus() {
        Account.Instance web1 = sim.account(A).instances("us-east-1").stream().filter(i -> i.tags().get("Name").equals("web-prod-1"))
                .findFirst().orElseThrow();
        try (Ec2Client ec2 = ec2(sim, a, "us-east-1"); Ec2Client ireland = ec2(sim, a, "eu-west-1")) {
            List<Volume> all = ec2.describeVolumes().volumes();
            assertThat(all).hasSize(4).allSatisfy(v -> {
                assertThat(v.volumeId()).matches("vol-[0-9a-f]{17}");
                assertThat(v.stateAsString()).isEqualTo("in-use");
                assertThat(v.attachments()).hasSize(1);
            });
            List<Volume> onWeb1 = ec2.describeVolumes(b -> b.filters(filter("attachment.instance-id", web1.id()))).volumes();
            assertThat(onWeb1).extracting(Volume::size).containsExactlyInAnyOrder(30, 200);
            assertThat(onWeb1).flatExtracting(Volume::attachments).extracting(att -> att.device())
                    .containsExactlyInAnyOrder("/dev/xvda", "/dev/sdf");
            assertThat(ec2.describeVolumes(b -> b.filters(filter("tag:Name", "*-data"))).volumes()).extracting(Volume::size).containsExactly(200);
            assertThat(ec2.describeVolumes(b -> b.filters(filter("tag-key", "team"))).volumes()).hasSize(1);
            String one = all.getFirst().volumeId();
            assertThat(ec2.describeVolumes(b -> b.filters(filter("volume-id", one))).volumes()).extracting(Volume::volumeId).containsExactly(one);
            assertThat(ec2.describeVolumes(b -> b.volumeIds(one)).volumes()).hasSize(1);
            assertAwsError(() -> ec2.describeVolumes(b -> b.volumeIds("vol-00000000000000000")), 400, "InvalidVolume.NotFound");
            assertAwsError(() -> ec2.describeVolumes(b -> b.volumeIds("vol-x")), 400, "InvalidVolumeID.Malformed");

            List<Volume> unattached = ireland.describeVolumes(b -> b.filters(filter("status", "available"))).volumes();
            assertThat(unattached).hasSize(1);
            assertThat(unattached.getFirst().attachments()).isEmpty();
            assertThat(unattached.getFirst().tags()).contains(Tag.builder().key("Name").value("orphaned-scratch").build());
        }
    }

    @Test
    void snapshotsAreCreatedTaggedDescribedAndDeleted() {
        Account.Volume volume = sim.account(A).volumes("eu-west-1").stream().filter(v -> v.attachedInstanceId() == null).findFirst().orElseThrow();
        try (Ec2Client ec2 = ec2(sim, a, "eu-west-1")) {
            var created = ec2.createSnapshot(b -> b.volumeId(volume.id()).description("before cleanup")
                    .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT).tags(Tag.builder().key("cw:reason").value("orphan").build())));
            assertThat(created.snapshotId()).matches("snap-[0-9a-f]{17}");
            assertThat(created.volumeId()).isEqualTo(volume.id());
            assertThat(created.stateAsString()).isEqualTo("pending");
            assertThat(created.volumeSize()).isEqualTo(100);
            assertThat(created.ownerId()).isEqualTo(A);
            assertThat(created.description()).isEqualTo("before cleanup");
            assertThat(created.tags()).extracting(Tag::key).containsExactly("cw:reason");

            List<Snapshot> mine = ec2.describeSnapshots(b -> b.ownerIds("self")).snapshots();
            assertThat(mine).extracting(Snapshot::snapshotId).containsExactly(created.snapshotId());
            assertThat(mine.getFirst().stateAsString()).isEqualTo("completed");
            assertThat(mine.getFirst().progress()).isEqualTo("100%");
            assertThat(ec2.describeSnapshots(b -> b.ownerIds("amazon")).snapshots()).isEmpty();
            assertThat(ec2.describeSnapshots(b -> b.filters(filter("volume-id", volume.id()))).snapshots()).hasSize(1);
            assertThat(ec2.describeSnapshots(b -> b.filters(filter("tag:cw:reason", "orphan"))).snapshots()).hasSize(1);
            assertThat(ec2.describeSnapshots(b -> b.filters(filter("tag:cw:reason", "other"))).snapshots()).isEmpty();
            assertThat(ec2.describeSnapshots(b -> b.snapshotIds(created.snapshotId())).snapshots()).hasSize(1);
            assertThat(sim.account(A).snapshots("eu-west-1")).extracting(Account.Snapshot::volumeId).containsExactly(volume.id());

            ec2.deleteSnapshot(b -> b.snapshotId(created.snapshotId()));
            assertAwsError(() -> ec2.describeSnapshots(b -> b.snapshotIds(created.snapshotId())), 400, "InvalidSnapshot.NotFound");
            assertAwsError(() -> ec2.deleteSnapshot(b -> b.snapshotId(created.snapshotId())), 400, "InvalidSnapshot.NotFound");
            assertAwsError(() -> ec2.createSnapshot(b -> b.volumeId("vol-00000000000000000")), 400, "InvalidVolume.NotFound");
            assertAwsError(() -> ec2.createSnapshot(b -> b.description("no volume")), 400, "MissingParameter");
        }
    }

    @Test
    void createTagsTagsInstancesVolumesAndSnapshots() {
        Account account = sim.account(A);
        Account.Instance instance = account.instances("eu-west-1").getFirst();
        Account.Volume volume = account.volumes("eu-west-1").getFirst();
        try (Ec2Client ec2 = ec2(sim, a, "eu-west-1")) {
            String snapshot = ec2.createSnapshot(b -> b.volumeId(volume.id())).snapshotId();
            ec2.createTags(b -> b.resources(instance.id(), volume.id(), snapshot).tags(Tag.builder().key("owner").value("alice").build(),
                    Tag.builder().key("env").value("staging").build()));
            Instance described = instances(ec2.describeInstances(b -> b.instanceIds(instance.id()))).getFirst();
            assertThat(described.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value)))
                    .containsEntry("owner", "alice").containsEntry("env", "staging").containsEntry("Name", instance.tags().get("Name"));
            assertThat(ec2.describeVolumes(b -> b.filters(filter("tag:owner", "alice"))).volumes()).extracting(Volume::volumeId)
                    .containsExactly(volume.id());
            assertThat(ec2.describeSnapshots(b -> b.filters(filter("tag:owner", "alice"))).snapshots()).extracting(Snapshot::snapshotId)
                    .containsExactly(snapshot);
            ec2.deleteSnapshot(b -> b.snapshotId(snapshot));

            assertAwsError(() -> ec2.createTags(b -> b.resources(instance.id()).tags(Tag.builder().key("aws:x").value("y").build())), 400,
                    "InvalidParameterValue");
            assertAwsError(() -> ec2.createTags(b -> b.resources("i-0000000000000000a").tags(Tag.builder().key("k").value("v").build())),
                    400, "InvalidInstanceID.NotFound");
            assertAwsError(() -> ec2.createTags(b -> b.resources("ami-12345678").tags(Tag.builder().key("k").value("v").build())), 400,
                    "InvalidID");
        }
    }

    @Test
    void anotherAccountsRoleNeverSeesThisAccountsResources() {
        String aInstance = sim.account(A).instances("us-east-1").getFirst().id();
        AwsSessionCredentials b = assume(sim, READER_B, "isolation");
        try (Ec2Client ec2 = ec2(sim, b, "us-east-1")) {
            sim.clearCalls();
            List<Reservation> reservations = ec2.describeInstances().reservations();
            assertThat(reservations).singleElement().satisfies(r -> {
                assertThat(r.ownerId()).isEqualTo(B);
                assertThat(r.instances()).extracting(Ec2ApiTest::name).containsExactly("only-in-b");
            });
            assertAwsError(() -> ec2.describeInstances(x -> x.instanceIds(aInstance)), 400, "InvalidInstanceID.NotFound");
            assertThat(ec2.describeVolumes().volumes()).isEmpty();
            List<CloudSim.Call> calls = new ArrayList<>(sim.calls());
            assertThat(calls).hasSize(3).allSatisfy(call -> {
                assertThat(call.accountId()).isEqualTo(B);
                assertThat(call.roleArn()).isEqualTo(READER_B.arn());
                assertThat(call.roleSessionName()).isEqualTo("isolation");
                assertThat(call.accessKeyId()).isEqualTo(b.accessKeyId());
                assertThat(call.service()).isEqualTo("ec2");
                assertThat(call.region()).isEqualTo("us-east-1");
            });
            assertThat(calls).extracting(CloudSim.Call::errorCode).containsExactly(null, "InvalidInstanceID.NotFound", null);
        }
    }
}
