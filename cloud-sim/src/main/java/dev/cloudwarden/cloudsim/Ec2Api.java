package dev.cloudwarden.cloudsim;

import dev.cloudwarden.cloudsim.Account.Instance;
import dev.cloudwarden.cloudsim.Account.Snapshot;
import dev.cloudwarden.cloudsim.Account.Volume;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * EC2 over the Query protocol (API version 2016-11-15), per account and region: DescribeRegions,
 * DescribeInstances, StartInstances, StopInstances, DescribeVolumes, CreateSnapshot,
 * DescribeSnapshots, DeleteSnapshot and CreateTags, with EC2's filters, pagination, error codes and
 * XML shapes. Every call is authorized against the caller's policies (see {@link Policy}).
 */
final class Ec2Api {

    static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** Regions DescribeRegions knows, and whether each is one an account must opt in to. */
    private static final Map<String, Boolean> REGIONS = regions();
    private static final Set<String> ACTIONS = Set.of("DescribeRegions", "DescribeInstances", "StartInstances", "StopInstances",
            "DescribeVolumes", "CreateSnapshot", "DescribeSnapshots", "DeleteSnapshot", "CreateTags");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern VOLUME_ID = Pattern.compile("vol-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Set<String> INSTANCE_FILTERS = Set.of("instance-id", "instance-state-name", "instance-state-code", "instance-type",
            "availability-zone", "tag-key", "tag-value");
    private static final Set<String> VOLUME_FILTERS = Set.of("volume-id", "attachment.instance-id", "status", "size", "availability-zone",
            "tag-key", "tag-value");
    private static final Set<String> SNAPSHOT_FILTERS = Set.of("snapshot-id", "volume-id", "status", "owner-id", "description", "tag-key",
            "tag-value");
    private static final Set<String> REGION_FILTERS = Set.of("region-name", "endpoint", "opt-in-status");

    private record Filter(String name, List<Pattern> values) {
    }

    private record Page<T>(List<T> items, String nextToken) {
    }

    private final Function<String, Account> accounts;

    Ec2Api(Function<String, Account> accounts) {
        this.accounts = accounts;
    }

    Reply handle(Principal caller, String region, Query q) {
        String action = q.action();
        if (!ACTIONS.contains(action)) {
            throw new AwsException(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
        }
        Account account = accounts.apply(caller.accountId());
        // AWS does not accept credentials in a region the account has not enabled, and says so this way
        if (!account.enabledRegions().contains(region)) {
            throw new AwsException(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
        }
        Request call = new Request(caller, account, region, q, "true".equalsIgnoreCase(q.get("DryRun")));
        String body = switch (action) {
            case "DescribeRegions" -> call.describeRegions();
            case "DescribeInstances" -> call.describeInstances();
            case "StartInstances", "StopInstances" -> call.startOrStop(action.equals("StartInstances"));
            case "DescribeVolumes" -> call.describeVolumes();
            case "CreateSnapshot" -> call.createSnapshot();
            case "DescribeSnapshots" -> call.describeSnapshots();
            case "DeleteSnapshot" -> call.deleteSnapshot();
            case "CreateTags" -> call.createTags();
            default -> throw new IllegalStateException(action);
        };
        return Reply.xml(body);
    }

    /** EC2's error shape: {@code Response/Errors/Error/(Code, Message)} and {@code RequestID}. */
    static Reply error(AwsException e) {
        String body = Xml.root("Response", null).start("Errors").start("Error").el("Code", e.code).el("Message", e.getMessage()).end().end()
                .el("RequestID", UUID.randomUUID()).done();
        return new Reply(e.status, "text/xml;charset=UTF-8", body, e.code);
    }

    /**
     * A SigV4 or credentials refusal as EC2 words it: an unknown key and a wrong signature are both
     * {@code AuthFailure} (401); expired temporary credentials, like a stale signature, are
     * {@code RequestExpired} (400).
     */
    static AwsException refusal(SigV4.Refused r) {
        return switch (r.code) {
            case "InvalidClientTokenId", "SignatureDoesNotMatch" ->
                    new AwsException(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
            case "ExpiredToken", "RequestExpired" -> new AwsException(400, "RequestExpired", "Request has expired.");
            case "MissingAuthenticationToken" -> new AwsException(401, r.code, r.getMessage());
            default -> new AwsException(400, r.code, r.getMessage());
        };
    }

    /** One EC2 request of a principal in an account and region. */
    private static final class Request {
        private final Principal caller;
        private final Account account;
        private final String region;
        private final Query q;
        private final boolean dryRun;

        Request(Principal caller, Account account, String region, Query q, boolean dryRun) {
            this.caller = caller;
            this.account = account;
            this.region = region;
            this.q = q;
            this.dryRun = dryRun;
        }

        String describeRegions() {
            authorize("DescribeRegions", null, null);
            List<Filter> filters = filters(REGION_FILTERS);
            List<String> names = q.list("RegionName");
            for (String name : names) {
                if (!REGIONS.containsKey(name)) {
                    throw invalidValue("Invalid region: " + name);
                }
            }
            boolean all = "true".equalsIgnoreCase(q.get("AllRegions"));
            Set<String> enabled = account.enabledRegions();
            dryRunStop();
            Xml x = response("DescribeRegionsResponse").start("regionInfo");
            for (String name : REGIONS.keySet()) {
                boolean on = enabled.contains(name);
                String status = on ? (REGIONS.get(name) ? "opted-in" : "opt-in-not-required") : "not-opted-in";
                String endpoint = "ec2." + name + ".amazonaws.com";
                Map<String, List<String>> attributes = Map.of("region-name", List.of(name), "endpoint", List.of(endpoint),
                        "opt-in-status", List.of(status));
                if ((on || all || names.contains(name)) && (names.isEmpty() || names.contains(name))
                        && matches(filters, f -> attributes.getOrDefault(f, List.of()))) {
                    x.start("item").el("regionName", name).el("regionEndpoint", endpoint).el("optInStatus", status).end();
                }
            }
            return x.done();
        }

        String describeInstances() {
            authorize("DescribeInstances", null, null);
            List<String> ids = q.list("InstanceId");
            Integer max = maxResults(5, 1000, false);
            if (max != null && !ids.isEmpty()) {
                throw new AwsException(400, "InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
            }
            List<Filter> filters = filters(INSTANCE_FILTERS);
            List<Instance> named = instances(ids);
            dryRunStop();
            List<Instance> matching = new ArrayList<>();
            for (Instance i : ids.isEmpty() ? account.instances(region) : named) {
                if (matches(filters, f -> instanceAttribute(i, f))) {
                    matching.add(i);
                }
            }
            Page<Instance> page = page(matching, Instance::id, max);
            Map<String, List<Volume>> attached = new HashMap<>();
            for (Volume v : account.volumes(region)) {
                if (v.attachedInstanceId() != null) {
                    attached.computeIfAbsent(v.attachedInstanceId(), k -> new ArrayList<>()).add(v);
                }
            }
            Xml x = response("DescribeInstancesResponse").start("reservationSet");
            for (Instance i : page.items()) {
                x.start("item").el("reservationId", "r-" + hex(17, "reservation" + i.id())).el("ownerId", account.id())
                        .start("groupSet").end().start("instancesSet");
                instanceXml(x, i, attached.getOrDefault(i.id(), List.of()));
                x.end().end();
            }
            x.end();
            if (page.nextToken() != null) {
                x.el("nextToken", page.nextToken());
            }
            return x.done();
        }

        String startOrStop(boolean start) {
            String action = start ? "StartInstances" : "StopInstances";
            List<String> ids = q.list("InstanceId");
            if (ids.isEmpty()) {
                throw missing("InstanceId");
            }
            for (Instance i : instances(ids)) {
                authorize(action, arn("instance/" + i.id()), i.tags());
            }
            dryRunStop();
            Xml x = response(action + "Response").start("instancesSet");
            for (Account.Transition t : account.startOrStop(ids, start)) {
                x.start("item").el("instanceId", t.instanceId())
                        .start("currentState").el("code", stateCode(t.current())).el("name", t.current()).end()
                        .start("previousState").el("code", stateCode(t.previous())).el("name", t.previous()).end().end();
            }
            return x.done();
        }

        String describeVolumes() {
            authorize("DescribeVolumes", null, null);
            List<String> ids = q.list("VolumeId");
            // AWS returns at most 500 volumes a page whatever is asked (the aws CLI asks for 1000)
            Integer max = maxResults(5, 500, true);
            if (max != null && !ids.isEmpty()) {
                throw new AwsException(400, "InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults");
            }
            List<Filter> filters = filters(VOLUME_FILTERS);
            List<Volume> named = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String id : ids) {
                checkId(id, VOLUME_ID, "InvalidVolumeID.Malformed", "vol-");
                Volume v = account.volume(id);
                if (v == null || !v.region().equals(region)) {
                    missing.add(id);
                } else {
                    named.add(v);
                }
            }
            if (!missing.isEmpty()) {
                throw notFound("InvalidVolume.NotFound", "volume", missing);
            }
            dryRunStop();
            List<Volume> matching = new ArrayList<>();
            for (Volume v : ids.isEmpty() ? account.volumes(region) : named) {
                if (matches(filters, f -> volumeAttribute(v, f))) {
                    matching.add(v);
                }
            }
            Page<Volume> page = page(matching, Volume::id, max);
            Xml x = response("DescribeVolumesResponse").start("volumeSet");
            for (Volume v : page.items()) {
                volumeXml(x, v);
            }
            x.end();
            if (page.nextToken() != null) {
                x.el("nextToken", page.nextToken());
            }
            return x.done();
        }

        String createSnapshot() {
            String volumeId = q.get("VolumeId");
            if (volumeId == null) {
                throw missing("VolumeId");
            }
            checkId(volumeId, VOLUME_ID, "InvalidVolumeID.Malformed", "vol-");
            Volume volume = account.volume(volumeId);
            if (volume == null || !volume.region().equals(region)) {
                throw notFound("InvalidVolume.NotFound", "volume", List.of(volumeId));
            }
            String description = q.params().getOrDefault("Description", "");
            if (description.length() > 255) {
                throw invalidValue("Value for parameter Description is too long (max 255 characters).");
            }
            Map<String, String> tags = new LinkedHashMap<>();
            for (Query spec : q.structs("TagSpecification")) {
                if (!"snapshot".equals(spec.get("ResourceType"))) {
                    throw invalidValue("'" + spec.get("ResourceType") + "' is not a valid taggable resource type for this operation.");
                }
                tags.putAll(checkTags(spec.tags("Tag")));
            }
            authorize("CreateSnapshot", arn("volume/" + volumeId), volume.tags());
            dryRunStop();
            Snapshot s = account.createSnapshot(volumeId, description, tags);
            Xml x = response("CreateSnapshotResponse").el("snapshotId", s.id()).el("volumeId", s.volumeId())
                    .el("status", "pending").el("startTime", time(s.startTime())).el("progress", null).el("ownerId", account.id())
                    .el("volumeSize", volume.sizeGiB()).el("description", s.description()).el("encrypted", false);
            if (!s.tags().isEmpty()) {
                x.tagSet(s.tags());
            }
            return x.done();
        }

        String describeSnapshots() {
            authorize("DescribeSnapshots", null, null);
            List<String> ids = q.list("SnapshotId");
            Integer max = maxResults(5, 1000, true);
            if (max != null && !ids.isEmpty()) {
                throw new AwsException(400, "InvalidParameterCombination", "The parameter snapshotSet cannot be used with the parameter maxResults");
            }
            List<Filter> filters = filters(SNAPSHOT_FILTERS);
            List<String> owners = q.list("Owner");
            // every snapshot here is the account's own: only "self" or the account's id can select them
            boolean owned = owners.isEmpty() || owners.contains("self") || owners.contains(account.id());
            List<Snapshot> named = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String id : ids) {
                checkId(id, SNAPSHOT_ID, "InvalidSnapshotID.Malformed", "snap-");
                Snapshot s = account.snapshot(id);
                if (s == null || !s.region().equals(region)) {
                    missing.add(id);
                } else {
                    named.add(s);
                }
            }
            if (!missing.isEmpty()) {
                throw notFound("InvalidSnapshot.NotFound", "snapshot", missing);
            }
            dryRunStop();
            List<Snapshot> matching = new ArrayList<>();
            for (Snapshot s : !owned ? List.<Snapshot>of() : ids.isEmpty() ? account.snapshots(region) : named) {
                if (matches(filters, f -> snapshotAttribute(s, f))) {
                    matching.add(s);
                }
            }
            Page<Snapshot> page = page(matching, Snapshot::id, max);
            Xml x = response("DescribeSnapshotsResponse").start("snapshotSet");
            for (Snapshot s : page.items()) {
                Volume v = account.volume(s.volumeId());
                x.start("item").el("snapshotId", s.id()).el("volumeId", s.volumeId()).el("status", s.state())
                        .el("startTime", time(s.startTime())).el("progress", "100%").el("ownerId", account.id())
                        .el("volumeSize", v == null ? 0 : v.sizeGiB()).el("description", s.description()).el("encrypted", false)
                        .el("storageTier", "standard");
                if (!s.tags().isEmpty()) {
                    x.tagSet(s.tags());
                }
                x.end();
            }
            x.end();
            if (page.nextToken() != null) {
                x.el("nextToken", page.nextToken());
            }
            return x.done();
        }

        String deleteSnapshot() {
            String id = q.get("SnapshotId");
            if (id == null) {
                throw missing("SnapshotId");
            }
            checkId(id, SNAPSHOT_ID, "InvalidSnapshotID.Malformed", "snap-");
            Snapshot s = account.snapshot(id);
            if (s == null || !s.region().equals(region)) {
                throw notFound("InvalidSnapshot.NotFound", "snapshot", List.of(id));
            }
            authorize("DeleteSnapshot", "arn:aws:ec2:" + region + "::snapshot/" + id, s.tags());
            dryRunStop();
            account.deleteSnapshot(id);
            return response("DeleteSnapshotResponse").el("return", true).done();
        }

        String createTags() {
            List<String> ids = q.list("ResourceId");
            if (ids.isEmpty()) {
                throw missing("ResourceId");
            }
            Map<String, String> tags = checkTags(q.tags("Tag"));
            if (tags.isEmpty()) {
                throw missing("Tag");
            }
            for (String id : ids) {
                Map<String, String> existing = resourceTags(id);
                Map<String, String> merged = new LinkedHashMap<>(existing);
                merged.putAll(tags);
                if (merged.size() > 50) {
                    throw new AwsException(400, "TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
                }
                authorize("CreateTags", arn(id), existing);
            }
            dryRunStop();
            for (String id : ids) {
                account.tag(id, tags);
            }
            return response("CreateTagsResponse").el("return", true).done();
        }

        /** The tags of a resource named by id in this account and region; EC2's errors when there is none. */
        private Map<String, String> resourceTags(String id) {
            if (id.startsWith("i-")) {
                return instances(List.of(id)).getFirst().tags();
            }
            if (id.startsWith("vol-")) {
                checkId(id, VOLUME_ID, "InvalidVolumeID.Malformed", "vol-");
                Volume v = account.volume(id);
                if (v == null || !v.region().equals(region)) {
                    throw notFound("InvalidVolume.NotFound", "volume", List.of(id));
                }
                return v.tags();
            }
            if (id.startsWith("snap-")) {
                checkId(id, SNAPSHOT_ID, "InvalidSnapshotID.Malformed", "snap-");
                Snapshot s = account.snapshot(id);
                if (s == null || !s.region().equals(region)) {
                    throw notFound("InvalidSnapshot.NotFound", "snapshot", List.of(id));
                }
                return s.tags();
            }
            throw new AwsException(400, "InvalidID", "The ID '" + id + "' is not valid");
        }

        /** The named instances of this account and region, or EC2's Malformed/NotFound errors. */
        private List<Instance> instances(List<String> ids) {
            List<Instance> out = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String id : ids) {
                checkId(id, INSTANCE_ID, "InvalidInstanceID.Malformed", "i-");
                Instance i = account.instance(id);
                if (i == null || !i.region().equals(region)) {
                    missing.add(id);
                } else {
                    out.add(i);
                }
            }
            if (missing.size() == 1) {
                throw new AwsException(400, "InvalidInstanceID.NotFound", "The instance ID '" + missing.getFirst() + "' does not exist");
            }
            if (!missing.isEmpty()) {
                throw new AwsException(400, "InvalidInstanceID.NotFound", "The instance IDs '" + String.join(", ", missing) + "' do not exist");
            }
            return out;
        }

        private void instanceXml(Xml x, Instance i, List<Volume> volumes) {
            String ip = privateIp(i.id());
            String dnsSuffix = region.equals("us-east-1") ? ".ec2.internal" : "." + region + ".compute.internal";
            x.start("item").el("instanceId", i.id()).el("imageId", "ami-" + hex(17, "ami" + i.type() + region))
                    .start("instanceState").el("code", stateCode(i.state())).el("name", i.state()).end()
                    .el("privateDnsName", "ip-" + ip.replace('.', '-') + dnsSuffix).el("dnsName", null)
                    .el("reason", i.state().equals("stopped") ? "User initiated" : null)
                    .el("amiLaunchIndex", 0).start("productCodes").end().el("instanceType", i.type()).el("launchTime", time(i.launchTime()))
                    .start("placement").el("availabilityZone", region + "a").el("groupName", null).el("tenancy", "default").end()
                    .start("monitoring").el("state", "disabled").end()
                    .el("subnetId", "subnet-" + hex(17, "subnet" + account.id() + region)).el("vpcId", "vpc-" + hex(17, "vpc" + account.id() + region))
                    .el("privateIpAddress", ip).el("sourceDestCheck", true)
                    .start("groupSet").start("item").el("groupId", "sg-" + hex(17, "sg" + account.id() + region)).el("groupName", "default").end().end()
                    .el("architecture", "x86_64").el("rootDeviceType", "ebs").el("rootDeviceName", "/dev/xvda").start("blockDeviceMapping");
            for (int n = 0; n < volumes.size(); n++) {
                Volume v = volumes.get(n);
                x.start("item").el("deviceName", device(n)).start("ebs").el("volumeId", v.id()).el("status", "attached")
                        .el("attachTime", time(v.createTime())).el("deleteOnTermination", n == 0).end().end();
            }
            x.end().el("virtualizationType", "hvm");
            if (!i.tags().isEmpty()) {
                x.tagSet(i.tags());
            }
            x.el("hypervisor", "xen").el("ebsOptimized", false).el("platformDetails", "Linux/UNIX").end();
        }

        private void volumeXml(Xml x, Volume v) {
            x.start("item").el("volumeId", v.id()).el("size", v.sizeGiB()).el("snapshotId", null).el("availabilityZone", region + "a")
                    .el("status", v.state()).el("createTime", time(v.createTime())).start("attachmentSet");
            if (v.attachedInstanceId() != null) {
                int n = 0;
                for (Volume other : account.volumes(region)) {
                    if (other.id().equals(v.id())) {
                        break;
                    }
                    if (v.attachedInstanceId().equals(other.attachedInstanceId())) {
                        n++;
                    }
                }
                x.start("item").el("volumeId", v.id()).el("instanceId", v.attachedInstanceId()).el("device", device(n))
                        .el("status", "attached").el("attachTime", time(v.createTime())).el("deleteOnTermination", n == 0).end();
            }
            x.end();
            if (!v.tags().isEmpty()) {
                x.tagSet(v.tags());
            }
            x.el("volumeType", "gp3").el("iops", 3000).el("throughput", 125).el("encrypted", false).el("multiAttachEnabled", false).end();
        }

        private List<String> instanceAttribute(Instance i, String filter) {
            return switch (filter) {
                case "instance-id" -> List.of(i.id());
                case "instance-state-name" -> List.of(i.state());
                case "instance-state-code" -> List.of(String.valueOf(stateCode(i.state())));
                case "instance-type" -> List.of(i.type());
                case "availability-zone" -> List.of(region + "a");
                default -> tagAttribute(i.tags(), filter);
            };
        }

        private List<String> volumeAttribute(Volume v, String filter) {
            return switch (filter) {
                case "volume-id" -> List.of(v.id());
                case "attachment.instance-id" -> v.attachedInstanceId() == null ? List.of() : List.of(v.attachedInstanceId());
                case "status" -> List.of(v.state());
                case "size" -> List.of(String.valueOf(v.sizeGiB()));
                case "availability-zone" -> List.of(region + "a");
                default -> tagAttribute(v.tags(), filter);
            };
        }

        private List<String> snapshotAttribute(Snapshot s, String filter) {
            return switch (filter) {
                case "snapshot-id" -> List.of(s.id());
                case "volume-id" -> List.of(s.volumeId());
                case "status" -> List.of(s.state());
                case "owner-id" -> List.of(account.id());
                case "description" -> List.of(s.description());
                default -> tagAttribute(s.tags(), filter);
            };
        }

        private static List<String> tagAttribute(Map<String, String> tags, String filter) {
            if (filter.equals("tag-key")) {
                return List.copyOf(tags.keySet());
            }
            if (filter.equals("tag-value")) {
                return List.copyOf(tags.values());
            }
            String value = tags.get(filter.substring(4));
            return value == null ? List.of() : List.of(value);
        }

        /** {@code Filter.N.Name} / {@code Filter.N.Value.M}: filters AND together, a filter's values OR, with * and ? wildcards. */
        private List<Filter> filters(Set<String> known) {
            List<Filter> out = new ArrayList<>();
            for (Query f : q.structs("Filter")) {
                String name = f.get("Name");
                if (name == null) {
                    throw missing("Filter.Name");
                }
                if (!known.contains(name) && !(name.startsWith("tag:") && name.length() > 4 && known.contains("tag-key"))) {
                    throw invalidValue("The filter '" + name + "' is invalid");
                }
                List<String> values = f.list("Value");
                if (values.isEmpty()) {
                    throw invalidValue("The filter '" + name + "' requires a value");
                }
                out.add(new Filter(name, values.stream().map(v -> Policy.wildcard(v, false)).toList()));
            }
            return out;
        }

        private static boolean matches(List<Filter> filters, Function<String, List<String>> attribute) {
            for (Filter f : filters) {
                List<String> actual = attribute.apply(f.name());
                if (actual.stream().noneMatch(a -> f.values().stream().anyMatch(p -> p.matcher(a).matches()))) {
                    return false;
                }
            }
            return true;
        }

        /** {@code MaxResults}: below {@code min} is an error; above {@code max} an error too, or {@code max} when the action clamps. */
        private Integer maxResults(int min, int max, boolean clamps) {
            String raw = q.get("MaxResults");
            if (raw == null) {
                return null;
            }
            int n;
            try {
                n = Integer.parseInt(raw);
            } catch (NumberFormatException e) {
                throw invalidValue("Invalid value '" + raw + "' for maxResults");
            }
            if (clamps && n > max) {
                return max;
            }
            if (n < min || n > max) {
                throw invalidValue("Value ( " + n + " ) for parameter maxResults is invalid. Expecting a value between " + min + " and " + max + ".");
            }
            return n;
        }

        /** Pages in creation order; the token is where the last page ended, so it survives deletions. */
        private <T> Page<T> page(List<T> items, Function<T, String> idOf, Integer max) {
            String token = q.get("NextToken");
            long after = -1;
            if (token != null && !token.isEmpty()) {
                try {
                    String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                    if (!decoded.startsWith("cloudsim:")) {
                        throw new IllegalArgumentException();
                    }
                    after = Long.parseLong(decoded.substring(9));
                } catch (IllegalArgumentException e) {
                    throw new AwsException(400, "InvalidPaginationToken", "The specified pagination token is not valid or is expired.");
                }
            }
            List<T> rest = new ArrayList<>();
            for (T item : items) {
                if (account.sequence(idOf.apply(item)) > after) {
                    rest.add(item);
                }
            }
            if (max == null || rest.size() <= max) {
                return new Page<>(rest, null);
            }
            List<T> items0 = rest.subList(0, max);
            String next = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("cloudsim:" + account.sequence(idOf.apply(items0.getLast()))).getBytes(StandardCharsets.UTF_8));
            return new Page<>(List.copyOf(items0), next);
        }

        private void authorize(String action, String resourceArn, Map<String, String> resourceTags) {
            String because = caller.deniedBecause("ec2:" + action, resourceArn == null ? null : resourceTags);
            if (because != null) {
                throw new AwsException(403, "UnauthorizedOperation", "You are not authorized to perform this operation. User: " + caller.arn()
                        + " is not authorized to perform: ec2:" + action + (resourceArn == null ? "" : " on resource: " + resourceArn) + " "
                        + because + ".");
            }
        }

        /** A DryRun request stops once it is known it would have succeeded. */
        private void dryRunStop() {
            if (dryRun) {
                throw new AwsException(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
            }
        }

        private String arn(String resource) {
            if (resource.startsWith("snap-")) {
                return "arn:aws:ec2:" + region + "::snapshot/" + resource;
            }
            if (resource.startsWith("i-")) {
                resource = "instance/" + resource;
            } else if (resource.startsWith("vol-")) {
                resource = "volume/" + resource;
            }
            return "arn:aws:ec2:" + region + ":" + account.id() + ":" + resource;
        }

        private Xml response(String root) {
            return Xml.root(root, NS).el("requestId", UUID.randomUUID());
        }
    }

    private static Map<String, String> checkTags(Map<String, String> tags) {
        for (Map.Entry<String, String> t : tags.entrySet()) {
            String key = t.getKey();
            if (key == null || key.isEmpty() || key.length() > 128) {
                throw invalidValue("Tag keys must be between 1 and 128 characters long.");
            }
            if (key.toLowerCase().startsWith("aws:")) {
                throw invalidValue("Tag keys starting with 'aws:' are reserved for internal use");
            }
            if (t.getValue().length() > 256) {
                throw invalidValue("Tag values must be at most 256 characters long.");
            }
        }
        return tags;
    }

    private static void checkId(String id, Pattern pattern, String code, String prefix) {
        if (!pattern.matcher(id).matches()) {
            throw new AwsException(400, code, "Invalid id: \"" + id + "\" (expecting \"" + prefix + "...\")");
        }
    }

    private static AwsException notFound(String code, String kind, List<String> ids) {
        return ids.size() == 1
                ? new AwsException(400, code, "The " + kind + " '" + ids.getFirst() + "' does not exist.")
                : new AwsException(400, code, "The " + kind + "s '" + String.join(", ", ids) + "' do not exist.");
    }

    private static AwsException missing(String parameter) {
        return new AwsException(400, "MissingParameter", "The request must contain the parameter " + parameter);
    }

    private static AwsException invalidValue(String message) {
        return new AwsException(400, "InvalidParameterValue", message);
    }

    static int stateCode(String state) {
        return switch (state) {
            case "pending" -> 0;
            case "running" -> 16;
            case "shutting-down" -> 32;
            case "terminated" -> 48;
            case "stopping" -> 64;
            case "stopped" -> 80;
            default -> throw new IllegalArgumentException(state);
        };
    }

    private static String device(int n) {
        return n == 0 ? "/dev/xvda" : "/dev/sd" + (char) ('f' + n - 1);
    }

    private static String time(Instant t) {
        return TIME.format(t);
    }

    /** A stable private address for an instance, in 10.0.0.0/16. */
    private static String privateIp(String instanceId) {
        byte[] d = SigV4.sha256(instanceId.getBytes(StandardCharsets.UTF_8));
        return "10.0." + (d[0] & 0xff) + "." + (1 + (d[1] & 0xff) % 254);
    }

    /** Stable ids for what the sandbox does not model (AMIs, VPCs, subnets, reservations). */
    private static String hex(int length, String seed) {
        return SigV4.hex(SigV4.sha256(seed.getBytes(StandardCharsets.UTF_8))).substring(0, length);
    }

    private static Map<String, Boolean> regions() {
        Map<String, Boolean> regions = new LinkedHashMap<>();
        for (String r : List.of("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2",
                "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
                "ap-southeast-1", "ap-southeast-2")) {
            regions.put(r, false);
        }
        for (String r : List.of("af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "me-central-1", "ap-southeast-3", "eu-central-2")) {
            regions.put(r, true);
        }
        return regions;
    }
}
