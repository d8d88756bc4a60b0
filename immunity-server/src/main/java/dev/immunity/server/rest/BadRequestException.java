package dev.immunity.server.rest;

import io.helidon.http.Status;

/** A request the server refuses, with a message safe to show the client. Turned into a JSON error. */
public final class BadRequestException extends RuntimeException {
    private final Status status;
    private final String field;

    public BadRequestException(Status status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    public BadRequestException(String message, String field) {
        this(Status.BAD_REQUEST_400, message, field);
    }

    public Status status() {
        return status;
    }

    public String field() {
        return field;
    }
}
