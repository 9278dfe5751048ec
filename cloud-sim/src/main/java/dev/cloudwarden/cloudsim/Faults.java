package dev.cloudwarden.cloudsim;

import dev.cloudwarden.cloudsim.CloudSim.FaultKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The faults and latency a test asked for: rules consumed in the order they were added. */
final class Faults {

    private static final class Rule {
        final Pattern action;
        final FaultKind kind;
        int remaining;

        Rule(String action, FaultKind kind, int remaining) {
            this.action = Policy.wildcard(action, true);
            this.kind = kind;
            this.remaining = remaining;
        }
    }

    private final List<Rule> rules = new ArrayList<>();
    private volatile Duration latency = Duration.ZERO;

    synchronized void failNext(String action, FaultKind kind, int times) {
        if (action == null || action.isBlank() || kind == null || times < 1) {
            throw new IllegalArgumentException("failNext needs an action (\"ec2:DescribeInstances\" or \"*\"), a kind and times >= 1");
        }
        rules.add(new Rule(action, kind, times));
    }

    /** The fault for this call of {@code action} ("ec2:DescribeInstances"), if one is still due: it is used up. */
    synchronized Optional<FaultKind> take(String action) {
        for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
            Rule rule = it.next();
            if (rule.action.matcher(action).matches()) {
                if (--rule.remaining == 0) {
                    it.remove();
                }
                return Optional.of(rule.kind);
            }
        }
        return Optional.empty();
    }

    void latency(Duration perCall) {
        if (perCall == null || perCall.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive");
        }
        latency = perCall;
    }

    Duration latency() {
        return latency;
    }

    synchronized void clear() {
        rules.clear();
        latency = Duration.ZERO;
    }
}
