package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientAddressesTest {

    private static MockHttpServletRequest from(String peer, String... forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/sessions");
        request.setRemoteAddr(peer);
        for (String header : forwardedFor) {
            request.addHeader("X-Forwarded-For", header);
        }
        return request;
    }

    @Test
    void byDefaultXForwardedForIsIgnored() {
        ClientAddresses clients = new ClientAddresses(List.of());
        assertThat(clients.key(from("198.51.100.7", "203.0.113.1"))).isEqualTo("4:198.51.100.7");
        assertThat(clients.key(from("127.0.0.1", "203.0.113.1, 203.0.113.2"))).isEqualTo("4:127.0.0.1");
    }

    @Test
    void behindATrustedProxyTheRightmostUntrustedHopIsTheClient() {
        ClientAddresses clients = new ClientAddresses(List.of("10.0.0.0/8", "192.0.2.10"));
        // the client may write anything on the left; only what our proxies appended counts
        assertThat(clients.key(from("10.1.2.3", "1.1.1.1, 203.0.113.9"))).isEqualTo("4:203.0.113.9");
        assertThat(clients.key(from("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.10"))).isEqualTo("4:203.0.113.9");
        assertThat(clients.key(from("10.1.2.3", "1.1.1.1", "203.0.113.9, 10.9.9.9"))).as("several headers").isEqualTo("4:203.0.113.9");
        assertThat(clients.key(from("10.1.2.3", "10.4.4.4, 10.5.5.5"))).as("only proxies: the farthest").isEqualTo("4:10.4.4.4");
        assertThat(clients.key(from("10.1.2.3"))).as("no header: the proxy itself").isEqualTo("4:10.1.2.3");
        assertThat(clients.key(from("10.1.2.3", "1.1.1.1, not-an-address"))).as("garbage: the last hop we trust").isEqualTo("4:10.1.2.3");
        assertThat(clients.key(from("10.1.2.3", "1.1.1.1, localhost"))).as("names are never resolved").isEqualTo("4:10.1.2.3");
        assertThat(clients.key(from("198.51.100.7", "203.0.113.9"))).as("an untrusted peer's header is ignored").isEqualTo("4:198.51.100.7");
    }

    @Test
    void ipv6ClientsAreKeyedByTheirSlash64() {
        ClientAddresses clients = new ClientAddresses(List.of());
        String a = clients.key(from("2001:db8:1:2:aaaa::1"));
        String b = clients.key(from("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
        String other = clients.key(from("2001:db8:1:3::1"));
        assertThat(a).isEqualTo(b).isEqualTo("6:20010db800010002::/64");
        assertThat(other).isNotEqualTo(a);
        assertThat(clients.key(from("::ffff:198.51.100.7"))).as("IPv4-mapped").isEqualTo("4:198.51.100.7");
        assertThat(clients.key(from("fe80::1%eth0"))).isEqualTo("6:fe80000000000000::/64");
    }

    @Test
    void trustedProxiesMustBeAddresses() {
        assertThatThrownBy(() -> new ClientAddresses(List.of("proxy.internal"))).hasMessageContaining("trusted-proxies");
        assertThatThrownBy(() -> new ClientAddresses(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ClientAddresses(List.of("2001:db8::/32", "127.0.0.1")).key(from("2001:db8::5", "198.51.100.1")))
                .isEqualTo("4:198.51.100.1");
    }
}
