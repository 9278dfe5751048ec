package dev.cloudwarden.logging;

import java.util.List;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials and personal data from log text by pattern (promise P3). It cannot know what
 * a value means, so it errs towards redacting too much: a lost word in a log line is cheap, a leaked
 * credential is not. Rules run in order, each on the previous one's output, and none matches its
 * own marker, so redacting twice changes nothing.
 *
 * @param redactEmails whether email addresses are redacted too ({@code cloudwarden.logging.redact-emails})
 */
public record Redactor(boolean redactEmails) {

    public static final String MARK = "[REDACTED]";

    private record Rule(Pattern pattern, Function<MatchResult, String> replacement) {
        String apply(String text) {
            Matcher m = pattern.matcher(text);
            return m.find() ? m.replaceAll(r -> Matcher.quoteReplacement(replacement.apply(r))) : text;
        }
    }

    /** Key names whose value is a credential; any prefix or suffix counts (client_secret, newPassword, x-api-key). */
    private static final String SECRET_KEYS =
            "password|passwd|passphrase|pwd|secret|token|otp|api[_-]?key|access[_-]?key|private[_-]?key|credential|cookie";

    /** The prefixes of Cloudwarden's bearer secrets, without their underscore. */
    private static final List<String> TOKEN_PREFIXES = List.of("cws", "cwpat", "cwi", "cwr", "cwv", "cwo", "cwe", "cwa");

    private static final List<Rule> RULES = List.of(
            // PEM private keys span lines; a truncated one is redacted to the end of the text.
            rule("-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\\z)", Pattern.DOTALL,
                    m -> MARK),
            // user:password@host in any URL, including jdbc:postgresql://user:pw@host/db
            rule("(?i)((?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^\\s/:@]*:)[^\\s/@]+@", 0,
                    m -> m.group(1) + MARK + "@"),
            // Authorization headers as HTTP clients and servers dump them at DEBUG: keep the scheme only.
            // The scheme group is possessive so that "Bearer [REDACTED]" is left alone instead of re-split.
            rule("(?i)(\\b(?:proxy-)?authorization\\\\?[\"']?\\s*[:=]\\s*\\\\?[\"']?)([a-z0-9-]+\\s+)?+(?!\\[REDACTED])[^\\s\"',;\\\\]+", 0,
                    m -> m.group(1) + (m.group(2) == null ? "" : m.group(2)) + MARK),
            // Bearer tokens anywhere ("... bearer token" in prose loses a word, which is acceptable).
            rule("(?i)\\b(bearer)\\s+(?!\\[REDACTED])[a-z0-9._~+/-]+=*", 0,
                    m -> m.group(1) + " " + MARK),
            // Cloudwarden bearer secrets, anywhere (a link's fragment, a JSON value under any key): a prefix
            // + base64url (common.TenantTokenFormat): cws_ API sessions, cwpat_ personal access tokens,
            // cwi_ invitations, cwr_ password resets, cwv_ email verifications; operators' cwo_ sessions and
            // cwe_ enrolment links; host agents' cwa_ enrolment tokens.
            rule("(?<![A-Za-z0-9_-])(?:" + String.join("|", TOKEN_PREFIXES) + ")_[A-Za-z0-9_-]+", 0,
                    m -> MARK),
            // Tenants' external IDs (cloud.ExternalIds: cw- and 40 hex digits), e.g. in a logged AssumeRole request.
            rule("(?<![A-Za-z0-9_-])cw-[0-9a-f]{40}(?![0-9a-f])", 0,
                    m -> MARK),
            // AWS access key ids: long-term (AKIA) and temporary (ASIA).
            rule("(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])", 0,
                    m -> MARK),
            // AWS secret access keys are 40 base64 characters with no prefix, so only next to a telling word.
            rule("(?i)(\\b(?:secret|credential)[a-z0-9_ -]{0,24}?[\\s\"':=]{1,6})[a-z0-9/+]{40}(?![a-z0-9/+=])", 0,
                    m -> m.group(1) + MARK),
            // Password hashes (Argon2id as stored by PasswordHasher, bcrypt) can be cracked offline; JDBC TRACE prints them.
            // Before the pair rule, which would stop at the first comma of "m=19456,t=2,p=1".
            rule("\\$argon2(?:id|i|d)\\$(?:v=\\d+\\$)?m=\\d+,t=\\d+,p=\\d+(?:\\$[A-Za-z0-9+/=]*)*|\\$2[abxy]?\\$\\d{2}\\$[./A-Za-z0-9]{53}", 0,
                    m -> MARK),
            // key=value, key: value, "key":"value" (also inside an escaped JSON string): keep the key and quotes.
            // An unquoted value ends at whitespace, & , ; a quote or a bracket (URLs, toString(), headers), so a
            // password containing one of those is redacted only up to it. Keys start only where an identifier starts
            // and are taken possessively, so the cost stays linear.
            rule("(?i)((?<![a-z0-9_.-])(?=[a-z0-9_.-]*?(?:" + SECRET_KEYS + "))[a-z0-9_.-]++\\\\?[\"']?\\s*[:=]\\s*)"
                            + "(?!\\\\?[\"']?\\[REDACTED])"
                            + "(\"(?:[^\"\\\\\\r\\n]|\\\\.)*\"|\\\\\"(?:[^\"\\\\\\r\\n]|\\\\[^\"])*\\\\\"|'[^'\\r\\n]*'|[^\\s\"'&,;<>()\\[\\]{}]+)", 0,
                    m -> m.group(1) + quotedLike(m.group(2))),
            // IAM and STS ARNs name the account and the role; keep the shape. Other ARNs (ec2, s3, ...) are kept.
            rule("\\b(arn:aws[a-z-]*:(?:iam|sts)::)\\d{12}(:[A-Za-z-]+)(/[\\w+=,.@/-]+)?", 0,
                    m -> m.group(1) + MARK + m.group(2) + (m.group(3) == null ? "" : "/" + MARK)));

    private static final Rule EMAIL = rule(
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", 0, m -> MARK);

    /** The text with every recognised secret replaced by {@link #MARK}; null stays null. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        for (Rule rule : RULES) {
            text = rule.apply(text);
        }
        return redactEmails ? EMAIL.apply(text) : text;
    }

    private static String quotedLike(String value) {
        for (String quote : new String[] {"\\\"", "\"", "'"}) {
            if (value.startsWith(quote)) {
                return quote + MARK + quote;
            }
        }
        return MARK;
    }

    private static Rule rule(String regex, int flags, Function<MatchResult, String> replacement) {
        return new Rule(Pattern.compile(regex, flags), replacement);
    }
}
