package dev.cloudwarden.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.apache.catalina.core.StandardContext;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;

/**
 * Finding 1 of issue 7: a body that never ends, sent before anyone signs in, is cut off near the
 * body limit (64 KB) by every path through the server, whatever the method and content type, so no
 * filter (Spring's FormContentFilter was one) can read it whole into memory.
 *
 * <p>The client writes chunks over a raw TLS socket with a small send buffer until the server closes
 * the connection. The server cannot have read more than the client managed to write, so stopping
 * the client at 20 times the limit and failing if the connection is still taking data bounds what
 * the server read (and held) near the limit, whatever the kernel buffered in between.
 */
class EndlessBodyTest extends IntegrationTest {

    private static final int LIMIT = 64 * 1024;

    @Autowired
    private ServletWebServerApplicationContext server;
    private static final long GIVE_UP_AFTER = 20L * LIMIT;
    private static final byte[] CHUNK = chunk(filler(8 * 1024));

    @ParameterizedTest(name = "{0} {1} ({2})")
    @CsvSource({
            // method, path, content type, the answer the server gives before it closes (if the client gets to read it)
            "PATCH,  /api/v1/users/00000000-0000-0000-0000-000000000001, application/x-www-form-urlencoded, 401",
            "PUT,    /api/v1/me,                                         application/x-www-form-urlencoded, 401",
            "DELETE, /api/v1/sessions/current,                           application/x-www-form-urlencoded, 401",
            "PATCH,  /console/settings,                                  application/x-www-form-urlencoded, 403",
            "PUT,    /login,                                             application/x-www-form-urlencoded, 403",
            "DELETE, /no/such/page,                                      application/x-www-form-urlencoded, 403",
            "POST,   /login,                                             application/x-www-form-urlencoded, 413",
            "POST,   /api/v1/signup,                                     application/json,                  413",
            "PATCH,  /.well-known/security.txt,                          application/x-www-form-urlencoded, 405"})
    void anEndlessAnonymousBodyIsCutOffNearTheLimit(String method, String path, String contentType, int status) throws Exception {
        try (SSLSocket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                    + "\r\nTransfer-Encoding: chunked\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // a well-formed start, so that a parser keeps reading: a form field or a JSON string that never ends
            out.write(chunk((contentType.endsWith("json") ? "{\"organization\":\"" : "organization=").getBytes(StandardCharsets.US_ASCII)));
            AtomicLong written = new AtomicLong();
            CompletableFuture<String> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    while (written.get() < GIVE_UP_AFTER) {
                        out.write(CHUNK);
                        out.flush();
                        written.addAndGet(CHUNK.length);
                    }
                    return "still writing after " + written.get() + " bytes";
                } catch (IOException closed) {
                    return null; // the server ended the connection
                }
            });
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> readAnswer(socket));
            String outcome = writer.get(60, TimeUnit.SECONDS);
            assertThat(outcome).as("the server kept reading the body; its answer so far: %s", reader.getNow("(none)")).isNull();
            String answer = reader.get(60, TimeUnit.SECONDS);
            assertThat(written.get()).as("bytes the client got to write").isLessThan(GIVE_UP_AFTER);
            if (!answer.isEmpty()) {
                // the server answers before it closes: 413 where something read past the limit, elsewhere the
                // refusal any anonymous caller gets there (without reading the body), never a success or a 500
                assertThat(answer).startsWith("HTTP/1.1 " + status + " ").contains("Content-Security-Policy: default-src 'self'")
                        .as("sent whole with its length, so the answer is complete before the connection closes")
                        .contains("Content-Length: ").doesNotContain("Transfer-Encoding: chunked");
            }
        }
    }

    /** The limit comes before every filter of a request (only the character encoding, which reads nothing, may share its rank). */
    @Test
    void theBodyLimitIsTheFirstFilterOfTheContainer() {
        StandardContext context = (StandardContext) ((TomcatWebServer) server.getWebServer()).getTomcat().getHost().findChildren()[0];
        List<String> filters = Arrays.stream(context.findFilterMaps())
                .filter(m -> Arrays.asList(m.getDispatcherNames()).contains("REQUEST"))
                .map(FilterMap::getFilterName).distinct().toList();
        assertThat(filters).contains(RequestBodyLimitConfiguration.FILTER_NAME, "springSecurityFilterChain");
        assertThat(filters.subList(0, filters.indexOf(RequestBodyLimitConfiguration.FILTER_NAME)))
                .as("filters before the body limit, in %s", filters).isSubsetOf("characterEncodingFilter");
        assertThat(filters).as("Spring's FormContentFilter is off").doesNotContain("formContentFilter");
    }

    private SSLSocket connect() throws IOException {
        Socket plain = new Socket();
        plain.setSendBufferSize(16 * 1024); // so that what the client wrote is close to what reached the server
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        SSLSocket socket = (SSLSocket) Api.trustServer().getSocketFactory().createSocket(plain, "localhost", port, true);
        socket.setSoTimeout(60_000);
        socket.startHandshake();
        return socket;
    }

    /** The status line and headers the server sent before closing, or "" when it closed without an answer. */
    private static String readAnswer(SSLSocket socket) {
        StringBuilder answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        try {
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) > 0 && answer.length() < 64 * 1024; ) {
                answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException reset) {
            // a reset after the answer, or instead of it
        }
        int end = answer.indexOf("\r\n\r\n");
        return end < 0 ? answer.toString() : answer.substring(0, end);
    }

    private static byte[] filler(int size) {
        byte[] data = new byte[size];
        Arrays.fill(data, (byte) 'a');
        return data;
    }

    /** One chunk of a chunked body: its hex size line, the bytes, CRLF. */
    private static byte[] chunk(byte[] data) {
        byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[head.length + data.length + 2];
        System.arraycopy(head, 0, chunk, 0, head.length);
        System.arraycopy(data, 0, chunk, head.length, data.length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }
}
