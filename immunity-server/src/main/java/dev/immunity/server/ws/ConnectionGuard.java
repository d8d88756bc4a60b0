package dev.immunity.server.ws;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a port's open connections, in total and per client address, and says whether one more may open.
 * Thread-safe.
 */
public final class ConnectionGuard {
    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    /** @param maxPerAddress 0 for no per-address cap */
    public ConnectionGuard(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts a new connection if it is within both caps; the caller closes it otherwise. */
    public boolean tryOpen(InetAddress address) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        if (maxPerAddress > 0) {
            AtomicInteger n = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (n.incrementAndGet() > maxPerAddress) {
                release(address, n);
                open.decrementAndGet();
                return false;
            }
        }
        return true;
    }

    /** A counted connection closed. */
    public void closed(InetAddress address) {
        if (address == null) {
            return;
        }
        open.decrementAndGet();
        if (maxPerAddress > 0) {
            AtomicInteger n = perAddress.get(address);
            if (n != null) {
                release(address, n);
            }
        }
    }

    /** Connections counted now. */
    public int open() {
        return open.get();
    }

    boolean atTotalCap() {
        return open.get() >= max;
    }

    private void release(InetAddress address, AtomicInteger n) {
        if (n.decrementAndGet() <= 0) {
            perAddress.remove(address, n); // an address with no connection left holds no memory
        }
    }
}
