package dev.cloudwarden.cloudsim;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One simulated AWS account's EC2 world: instances, volumes and snapshots per region, and the
 * regions enabled for it. Thread-safe (one lock per account, so accounts do not contend). Records
 * handed out are snapshots; a change replaces a resource's record, keeping its place in the order
 * resources were created, which is the order EC2's Describe* calls page through.
 */
public final class Account {

    public record Instance(String id, String region, String type, String state, Map<String, String> tags, Instant launchTime) {
        public Instance {
            tags = frozen(tags);
        }
    }

    public record Volume(String id, String region, int sizeGiB, String state, String attachedInstanceId, Map<String, String> tags,
                         Instant createTime) {
        public Volume {
            tags = frozen(tags);
        }
    }

    public record Snapshot(String id, String region, String volumeId, String state, Map<String, String> tags, Instant startTime,
                           String description) {
        public Snapshot {
            tags = frozen(tags);
        }
    }

    /** An instance's state before and after StartInstances or StopInstances, as EC2 reports it. */
    record Transition(String instanceId, String previous, String current) {
    }

    static final List<String> DEFAULT_REGIONS = List.of("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2");
    static final Set<String> STATES = Set.of("pending", "running", "shutting-down", "terminated", "stopping", "stopped");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

    private final String id;
    private final Clock clock;
    private final Set<String> enabledRegions = new LinkedHashSet<>(DEFAULT_REGIONS);
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, Volume> volumes = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    /** Creation order of every resource, for pagination tokens that survive deletions. */
    private final Map<String, Long> sequence = new HashMap<>();
    private long nextSequence;

    Account(String id, Clock clock) {
        this.id = id;
        this.clock = clock;
    }

    public String id() {
        return id;
    }

    public synchronized Set<String> enabledRegions() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(enabledRegions));
    }

    /**
     * EC2 calls in a disabled region are refused as AWS refuses them in a region the account has
     * not opted in to: {@code AuthFailure} (HTTP 401, "AWS was not able to validate the provided
     * access credentials"), not {@code OptInRequired}, which AWS keeps for unsubscribed services.
     * DescribeRegions leaves the region out, or lists it as not-opted-in with AllRegions.
     */
    public synchronized void disableRegion(String region) {
        enabledRegions.remove(region);
    }

    public synchronized void enableRegion(String region) {
        enabledRegions.add(checkRegion(region));
    }

    public synchronized Instance addInstance(String region, String type, String state, Map<String, String> tags) {
        checkRegion(region);
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("an instance type is needed, e.g. t3.micro");
        }
        if (!STATES.contains(state)) {
            throw new IllegalArgumentException("not an EC2 instance state: " + state + " (one of " + STATES + ")");
        }
        Instance instance = new Instance(newId("i-"), region, type, state, tags, now());
        instances.put(instance.id(), instance);
        return instance;
    }

    public synchronized Volume addVolume(String region, int sizeGiB, String attachedInstanceId, Map<String, String> tags) {
        checkRegion(region);
        if (sizeGiB < 1 || sizeGiB > 65536) {
            throw new IllegalArgumentException("volume size must be 1-65536 GiB");
        }
        if (attachedInstanceId != null) {
            Instance instance = instances.get(attachedInstanceId);
            if (instance == null || !instance.region().equals(region)) {
                throw new IllegalArgumentException("no instance " + attachedInstanceId + " in " + region + " to attach to");
            }
        }
        Volume volume = new Volume(newId("vol-"), region, sizeGiB, attachedInstanceId == null ? "available" : "in-use", attachedInstanceId,
                tags, now());
        volumes.put(volume.id(), volume);
        return volume;
    }

    public synchronized List<Instance> instances(String region) {
        return inRegion(instances, region, Instance::region);
    }

    public synchronized List<Volume> volumes(String region) {
        return inRegion(volumes, region, Volume::region);
    }

    public synchronized List<Snapshot> snapshots(String region) {
        return inRegion(snapshots, region, Snapshot::region);
    }

    synchronized Instance instance(String instanceId) {
        return instances.get(instanceId);
    }

    synchronized Volume volume(String volumeId) {
        return volumes.get(volumeId);
    }

    synchronized Snapshot snapshot(String snapshotId) {
        return snapshots.get(snapshotId);
    }

    synchronized long sequence(String resourceId) {
        return sequence.getOrDefault(resourceId, -1L);
    }

    /**
     * Starts or stops instances, all or none: an instance in a state it cannot leave that way
     * refuses the whole call. The answer shows the transitional state (pending, stopping); the
     * stored state is already the settled one (running, stopped), so the next describe sees it.
     */
    synchronized List<Transition> startOrStop(List<String> instanceIds, boolean start) {
        // from which states each call may go, and where it leaves an instance that moves
        Set<String> from = start ? Set.of("stopped", "pending", "running") : Set.of("running", "pending", "stopping", "stopped");
        Set<String> moving = start ? Set.of("stopped") : Set.of("running", "pending");
        for (String instanceId : instanceIds) {
            if (!from.contains(instances.get(instanceId).state())) {
                throw new AwsException(400, "IncorrectInstanceState", "The instance '" + instanceId + "' is not in a state from which it can be "
                        + (start ? "started." : "stopped."));
            }
        }
        List<Transition> out = new ArrayList<>();
        for (String instanceId : instanceIds) {
            Instance i = instances.get(instanceId);
            if (!moving.contains(i.state())) {
                out.add(new Transition(instanceId, i.state(), i.state()));
                continue;
            }
            String settled = start ? "running" : "stopped";
            instances.put(instanceId, new Instance(i.id(), i.region(), i.type(), settled, i.tags(), start ? now() : i.launchTime()));
            out.add(new Transition(instanceId, i.state(), start ? "pending" : "stopping"));
        }
        return out;
    }

    synchronized Snapshot createSnapshot(String volumeId, String description, Map<String, String> tags) {
        Volume volume = volumes.get(volumeId);
        Snapshot snapshot = new Snapshot(newId("snap-"), volume.region(), volumeId, "completed", tags, now(), description);
        snapshots.put(snapshot.id(), snapshot);
        return snapshot;
    }

    synchronized void deleteSnapshot(String snapshotId) {
        snapshots.remove(snapshotId);
    }

    /** Adds or overwrites tags on an instance, volume or snapshot of this account. */
    synchronized void tag(String resourceId, Map<String, String> tags) {
        if (instances.get(resourceId) instanceof Instance i) {
            instances.put(resourceId, new Instance(i.id(), i.region(), i.type(), i.state(), merged(i.tags(), tags), i.launchTime()));
        } else if (volumes.get(resourceId) instanceof Volume v) {
            volumes.put(resourceId, new Volume(v.id(), v.region(), v.sizeGiB(), v.state(), v.attachedInstanceId(), merged(v.tags(), tags),
                    v.createTime()));
        } else if (snapshots.get(resourceId) instanceof Snapshot s) {
            snapshots.put(resourceId, new Snapshot(s.id(), s.region(), s.volumeId(), s.state(), merged(s.tags(), tags), s.startTime(),
                    s.description()));
        } else {
            throw new IllegalArgumentException("no resource " + resourceId);
        }
    }

    /** Tags of any resource of this account, or null when there is none by that id. */
    synchronized Map<String, String> tagsOf(String resourceId) {
        if (instances.get(resourceId) instanceof Instance i) {
            return i.tags();
        }
        if (volumes.get(resourceId) instanceof Volume v) {
            return v.tags();
        }
        return snapshots.get(resourceId) instanceof Snapshot s ? s.tags() : null;
    }

    private static Map<String, String> merged(Map<String, String> old, Map<String, String> added) {
        Map<String, String> out = new LinkedHashMap<>(old);
        out.putAll(added);
        return out;
    }

    private <T> List<T> inRegion(Map<String, T> all, String region, Function<T, String> regionOf) {
        List<T> out = new ArrayList<>();
        for (T t : all.values()) {
            if (regionOf.apply(t).equals(region)) {
                out.add(t);
            }
        }
        return out;
    }

    /** EC2's long ids: a prefix and 17 hex digits. */
    private String newId(String prefix) {
        String resourceId;
        do {
            StringBuilder hex = new StringBuilder(prefix);
            for (int i = 0; i < 17; i++) {
                hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
            }
            resourceId = hex.toString();
        } while (sequence.containsKey(resourceId));
        sequence.put(resourceId, nextSequence++);
        return resourceId;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static String checkRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("not a region name: " + region);
        }
        return region;
    }

    private static Map<String, String> frozen(Map<String, String> tags) {
        return tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }
}
