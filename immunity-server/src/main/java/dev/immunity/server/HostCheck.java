package dev.immunity.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which {@code Host} names the server answers to: the defence against DNS rebinding, where a web page whose
 * domain suddenly resolves to 127.0.0.1 reads a developer's local server as its own origin. Bound to a loopback
 * address, only loopback names are accepted; with {@code immunity.http.allowed-hosts}, only those; bound
 * elsewhere without a list, any name (the server is reached by whatever name the network gives it).
 */
public final class HostCheck {
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Set<String> allowed; // null: any

    private HostCheck(Set<String> allowed) {
        this.allowed = allowed;
    }

    /** The check for a server bound to {@code bindHost} with an optional allow-list (lower case). */
    public static HostCheck of(String bindHost, List<String> allowedHosts) {
        if (!allowedHosts.isEmpty()) {
            java.util.HashSet<String> all = new java.util.HashSet<>(allowedHosts);
            all.addAll(LOOPBACK); // local health checks and the CLI on the machine itself keep working
            return new HostCheck(Set.copyOf(all));
        }
        return isLoopback(bindHost) ? new HostCheck(LOOPBACK) : new HostCheck(null);
    }

    /** Whether requests carrying this {@code Host} header value are answered; a missing one is (HTTP/1.0). */
    public boolean allows(String hostHeader) {
        if (allowed == null || hostHeader == null) {
            return true;
        }
        return allowed.contains(name(hostHeader));
    }

    /** The answer's text for a refused host. */
    public static String refusal() {
        return "this server does not answer to that host name (see immunity.http.allowed-hosts)";
    }

    /** The host name of a {@code Host} value: lower case, without the port; IPv6 literals keep their brackets. */
    public static String name(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    /** Whether the server binds a loopback address (then only loopback names are answered by default). */
    public static boolean isLoopback(String bindHost) {
        try {
            return InetAddress.getByName(bindHost).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
