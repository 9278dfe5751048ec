package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import java.util.regex.Pattern;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/** AWS region names as input: the shape, then the SDK's own list of regions, in the platform's partition. */
final class Regions {

    private static final Pattern NAME = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");

    private Regions() {
    }

    /** Whether a value has a region name's shape (a filter may name a region no account has). */
    static boolean looksLikeRegion(String value) {
        return value != null && value.length() <= 30 && NAME.matcher(value).matches();
    }

    /** A region of {@code partition} known to the SDK; otherwise 400 naming {@code field}. */
    static String check(String field, String value, String partition) {
        if (!looksLikeRegion(value)) {
            throw ApiProblem.invalid(field, "each must be an AWS region name such as us-east-1");
        }
        Region region = Region.of(value);
        RegionMetadata metadata = region.metadata();
        if (!Region.regions().contains(region) || metadata == null) {
            throw ApiProblem.invalid(field, "each must be an AWS region that exists, such as us-east-1");
        }
        if (partition != null && !partition.equals(metadata.partition().id())) {
            throw ApiProblem.invalid(field, "each must be a region of the " + partition + " partition, where this platform runs");
        }
        return value;
    }
}
