package dev.immunity.server;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser origins may open the stream, matched exactly: scheme, host and port. Allowed are the
 * configured {@code immunity.ws.allowed-origins}; {@code https://NAME} and {@code http://NAME} for each of
 * {@code immunity.http.allowed-hosts} (the page through a proxy on the default ports); and the server's own
 * page, {@code http://HOST:PORT}, where HOST is the request's {@code Host} name (already checked by
 * {@link HostCheck}) and PORT the HTTP port or the one in {@code Host}. A request without {@code Origin} is not from a browser and is not
 * asked for one.
 */
public final class OriginCheck {
    private final Set<String> exact;

    public OriginCheck(List<String> allowedOrigins, List<String> allowedHosts) {
        java.util.HashSet<String> all = new java.util.HashSet<>(allowedOrigins);
        for (String h : allowedHosts) {
            all.add("https://" + h);
            all.add("http://" + h);
        }
        this.exact = Set.copyOf(all);
    }

    /**
     * @param origin     the {@code Origin} header, or null
     * @param hostHeader the {@code Host} header
     * @param pagePorts  the ports the server's own page may be on (the HTTP port)
     */
    public boolean allows(String origin, String hostHeader, int... pagePorts) {
        if (origin == null) {
            return true;
        }
        if (exact.contains(origin)) {
            return true;
        }
        if (hostHeader == null) {
            return false;
        }
        String name = HostCheck.name(hostHeader);
        String o = origin.toLowerCase(Locale.ROOT);
        if (o.equals("http://" + hostHeader.strip().toLowerCase(Locale.ROOT))) {
            return true; // the page of the very host:port this request came to (directly or through a proxy)
        }
        for (int port : pagePorts) {
            if (o.equals("http://" + name + ":" + port)) {
                return true;
            }
        }
        return false;
    }
}
