package dev.immunity.cli.watch;

import java.time.Instant;

/** Where the stream's token comes from: a fixed one the user gave, or one {@code immunity login} keeps renewed. */
public interface TokenSource {
    /** The token for a new connection, or null for none. */
    String token();

    /** When the current token should be renewed in-band, or null for never. */
    Instant renewAt();

    /** A fresh token, renewed now. */
    String renew();

    /** A token that is never renewed (given with {@code --token}, or none). */
    static TokenSource fixed(String token) {
        return new TokenSource() {
            @Override
            public String token() {
                return token;
            }

            @Override
            public Instant renewAt() {
                return null;
            }

            @Override
            public String renew() {
                return token;
            }
        };
    }
}
