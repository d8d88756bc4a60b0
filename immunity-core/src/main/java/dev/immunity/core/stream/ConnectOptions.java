package dev.immunity.core.stream;

/**
 * How a client connects.
 *
 * @param cursor the last cursor the client saw, to resume after it; null for a fresh snapshot
 * @param filter what the client wants to see
 * @param batch  whether the client accepts several envelopes in one frame, separated by {@code \n}
 */
public record ConnectOptions(String cursor, StreamFilter filter, boolean batch) {
    public ConnectOptions {
        filter = filter == null ? StreamFilter.ALL : filter;
    }

    /** A fresh client: snapshot, no filter, one envelope per frame. */
    public static ConnectOptions fresh() {
        return new ConnectOptions(null, StreamFilter.ALL, false);
    }

    /** Resume after a cursor, no filter, one envelope per frame. */
    public static ConnectOptions resume(String cursor) {
        return new ConnectOptions(cursor, StreamFilter.ALL, false);
    }
}
