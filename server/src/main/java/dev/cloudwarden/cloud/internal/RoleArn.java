package dev.cloudwarden.cloud.internal;

import dev.cloudwarden.common.ApiProblem;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IAM role ARN as a customer pastes it: {@code arn:<partition>:iam::<12-digit account>:role/<path><name>}.
 * Checked character by character against AWS's rules, ASCII only (a look-alike letter or digit is
 * refused, not folded), with a narrower path alphabet than AWS allows (the role name's characters and
 * {@code /}): no real path we know needs more, and nothing that could break out of a quote reaches
 * any page or query. Its {@code toString()} is the masked form, so a log line never holds it whole.
 */
record RoleArn(String partition, String accountId, String path, String name) {

    private static final Pattern ARN = Pattern.compile(
            "arn:(aws|aws-us-gov|aws-cn):iam::([0-9]{12}):role(/(?:[A-Za-z0-9_+=,.@-]+/)*)([A-Za-z0-9_+=,.@-]{1,64})");
    private static final int MAX_PATH = 512;

    static RoleArn parse(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ApiProblem.invalid(field, "is required");
        }
        if (value.length() > 2048) {
            throw ApiProblem.invalid(field, "must be an IAM role ARN of at most 2048 characters");
        }
        Matcher m = ARN.matcher(value);
        if (!m.matches()) {
            throw ApiProblem.invalid(field, "must be an IAM role ARN: arn:aws:iam::<12-digit account id>:role/<name> "
                    + "(partition aws, aws-us-gov or aws-cn; name of 1-64 letters, digits and _+=,.@-)");
        }
        if (m.group(3).length() > MAX_PATH) {
            throw ApiProblem.invalid(field, "the role path must be at most 512 characters");
        }
        return new RoleArn(m.group(1), m.group(2), m.group(3), m.group(4));
    }

    String value() {
        return "arn:" + partition + ":iam::" + accountId + ":role" + path + name;
    }

    /** What reads show: the account's first and last four digits, never the role's path or name. */
    String masked() {
        return "arn:" + partition + ":iam::" + accountId.substring(0, 4) + "****" + accountId.substring(8) + ":role/…";
    }

    @Override
    public String toString() {
        return masked();
    }
}
