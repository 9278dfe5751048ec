package dev.cloudwarden.abuse;

import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Which client a request comes from, for rate limiting and the activity history. By default the TCP peer address
 * ({@code getRemoteAddr()}), and {@code X-Forwarded-For} is ignored: anyone can write that header.
 * Only when the peer is one of the configured trusted proxies is the header read, from the right:
 * the first address that is not itself a trusted proxy is the client.
 *
 * <p>IPv6 clients are keyed by their /64 network, which one subscriber usually holds whole.
 */
final class ClientAddresses {

    private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]{2,45}$");

    private final List<IpAddressMatcher> trusted;

    ClientAddresses(List<String> trustedProxies) {
        List<IpAddressMatcher> matchers = new ArrayList<>();
        for (String proxy : trustedProxies) {
            String address = proxy.strip();
            int slash = address.indexOf('/');
            if (parse(slash < 0 ? address : address.substring(0, slash)) == null) {
                throw new IllegalArgumentException("cloudwarden.rate-limits.trusted-proxies: not an IP address or CIDR range");
            }
            matchers.add(new IpAddressMatcher(address));
        }
        this.trusted = List.copyOf(matchers);
    }

    /** The rate-limit key of the request's client. */
    String key(HttpServletRequest request) {
        InetAddress client = client(request);
        return client == null ? "unknown" : key(client); // no address is not expected from TCP; such requests share one bucket
    }

    /** The request's client address, or null when the peer address is not an IP literal. */
    InetAddress client(HttpServletRequest request) {
        InetAddress peer = parse(request.getRemoteAddr());
        if (peer == null) {
            return null;
        }
        InetAddress client = peer;
        if (isTrusted(peer)) {
            List<String> hops = new ArrayList<>();
            for (String header : Collections.list(request.getHeaders("X-Forwarded-For"))) {
                for (String hop : header.split(",")) {
                    hops.add(hop.strip());
                }
            }
            for (int i = hops.size() - 1; i >= 0; i--) {
                InetAddress hop = parse(hops.get(i));
                if (hop == null) {
                    break; // a malformed entry: nothing left of it can be believed; keep the last good hop
                }
                client = hop;
                if (!isTrusted(hop)) {
                    break;
                }
            }
        }
        return client;
    }

    static String key(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] network = java.util.Arrays.copyOf(address.getAddress(), 8);
            return "6:" + HexFormat.of().formatHex(network) + "::/64";
        }
        return "4:" + address.getHostAddress();
    }

    private boolean isTrusted(InetAddress address) {
        String literal = address.getHostAddress();
        return trusted.stream().anyMatch(m -> m.matches(literal));
    }

    /** An IP literal, or null; never a name lookup. */
    static InetAddress parse(String literal) {
        if (literal == null) {
            return null;
        }
        String value = literal.strip();
        if (value.startsWith("[") && value.endsWith("]")) {
            value = value.substring(1, value.length() - 1);
        }
        int zone = value.indexOf('%');
        if (zone > 0 && value.contains(":")) {
            value = value.substring(0, zone); // an IPv6 scope id says nothing about the client
        }
        boolean v4 = IPV4.matcher(value).matches();
        boolean v6 = !v4 && value.contains(":") && IPV6.matcher(value).matches();
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(value); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
