package dev.immunity.cli.bench;

/** The bench scenarios, with their default clients, event rate and duration. */
public enum Scenario {
    /** Many events to many clients: the deliveries per second sustained. */
    fanout(1000, 200, "10s"),
    /** End-to-end latency at a fixed, moderate rate. */
    latency(1000, 100, "10s"),
    /** Hold the connections, then one broadcast proves they are all alive; memory per connection. */
    idle(1000, 0, "10s"),
    /** One client that stops reading among fast ones: it is closed (4001), the others lose nothing. */
    slow(1000, 100, "10s"),
    /** Long run: share of connection-seconds connected and the longest gap between messages. */
    soak(200, 10, "10m");

    final int clients;
    final double rate;
    final String duration;

    Scenario(int clients, double rate, String duration) {
        this.clients = clients;
        this.rate = rate;
        this.duration = duration;
    }
}
