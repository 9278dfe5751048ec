package dev.cloudwarden.cloudsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/** What the sandbox's tests share: the platform's credentials, and real SDK clients pointed at a sandbox. */
final class Sandbox {

    static final String PLATFORM_KEY = "AKIAPLATFORMSANDBOX1";
    static final String PLATFORM_SECRET = "platform-secret-for-the-sandbox-only-0001";
    static final String PLATFORM_ACCOUNT = "111111111111";
    static final String PLATFORM_ARN = "arn:aws:iam::" + PLATFORM_ACCOUNT + ":user/cloudwarden-platform";
    static final AwsCredentials PLATFORM = AwsBasicCredentials.create(PLATFORM_KEY, PLATFORM_SECRET);

    /** A role policy that also lets the platform act: start, stop, snapshot, tag. */
    static final String OPERATOR_POLICY = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["ec2:Describe*","ec2:StartInstances","ec2:StopInstances","ec2:CreateSnapshot",
                                          "ec2:DeleteSnapshot","ec2:CreateTags"],"Resource":"*"}]}""";

    private Sandbox() {
    }

    static CloudSim start() throws IOException {
        return CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, PLATFORM_ARN, Clock.systemUTC(), 0);
    }

    static StsClient sts(CloudSim sim, AwsCredentials credentials) {
        return StsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials)).build();
    }

    static Ec2Client ec2(CloudSim sim, AwsCredentials credentials, String region, ExecutionInterceptor... interceptors) {
        return Ec2Client.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .overrideConfiguration(o -> List.of(interceptors).forEach(o::addExecutionInterceptor)).build();
    }

    static KmsClient kms(CloudSim sim, AwsCredentials credentials, String region) {
        return KmsClient.builder().endpointOverride(URI.create(sim.endpoint())).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(credentials)).build();
    }

    /** The platform assumes a role (optionally with a session policy) and gets its temporary credentials. */
    static AwsSessionCredentials assume(CloudSim sim, CloudSim.Role role, String sessionName, String sessionPolicy) {
        try (StsClient sts = sts(sim, PLATFORM)) {
            Credentials c = sts.assumeRole(b -> b.roleArn(role.arn()).roleSessionName(sessionName).externalId(role.externalId())
                    .policy(sessionPolicy)).credentials();
            return AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken());
        }
    }

    static AwsSessionCredentials assume(CloudSim sim, CloudSim.Role role, String sessionName) {
        return assume(sim, role, sessionName, null);
    }

    /** Asserts a call fails with an AWS error of this HTTP status and code. */
    static void assertAwsError(Runnable call, int status, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(AwsServiceException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).as(e.getMessage()).isEqualTo(code);
            assertThat(e.statusCode()).as(e.getMessage()).isEqualTo(status);
        });
    }

    /** Keeps the raw bodies of the answers a client received, to check their XML against AWS's documented shapes. */
    static final class RawBodies implements ExecutionInterceptor {
        final List<String> bodies = new ArrayList<>();

        @Override
        public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            return context.responseBody().map(in -> {
                try {
                    byte[] bytes = in.readAllBytes();
                    synchronized (bodies) {
                        bodies.add(new String(bytes, StandardCharsets.UTF_8));
                    }
                    return new ByteArrayInputStream(bytes);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        String last() {
            synchronized (bodies) {
                return bodies.getLast();
            }
        }
    }

    /** Every element path of an XML document ("Root/child/item/leaf"), and the root's namespace first as "xmlns=…". */
    static TreeSet<String> elementPaths(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                    .getDocumentElement();
            TreeSet<String> paths = new TreeSet<>();
            paths.add("xmlns=" + root.getNamespaceURI());
            collect(root, root.getLocalName(), paths);
            return paths;
        } catch (Exception e) {
            throw new AssertionError("not XML: " + xml, e);
        }
    }

    private static void collect(Element element, String path, TreeSet<String> paths) {
        paths.add(path);
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element e) {
                collect(e, path + "/" + e.getLocalName(), paths);
            }
        }
    }
}
