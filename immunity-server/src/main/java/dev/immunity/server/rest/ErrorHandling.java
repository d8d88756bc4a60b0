package dev.immunity.server.rest;

import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;

/** Turns every failure into a JSON error: the client's fault named, anything else a bare 500. */
public final class ErrorHandling {
    private static final System.Logger LOG = System.getLogger(ErrorHandling.class.getName());

    private ErrorHandling() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(BadRequestException.class, (req, res, e) -> Errors.send(req, res, e.status(), e.getMessage(), e.field()))
                .error(HttpException.class, (req, res, e) -> Errors.send(req, res, e.status(), e.getMessage()))
                .error(RequestException.class, (req, res, e) -> {
                    Status status = e.status();
                    Errors.send(req, res, status, status.code() == 413 ? "body too large" : status.reasonPhrase());
                })
                // A malformed chunked body surfaces as these from Helidon's entity reader: the client's fault.
                .error(NumberFormatException.class, (req, res, e) -> Errors.send(req, res, Status.BAD_REQUEST_400,
                        "malformed request body (chunked encoding)"))
                .error(io.helidon.common.buffers.DataReader.InsufficientDataAvailableException.class, (req, res, e) ->
                        Errors.send(req, res, Status.BAD_REQUEST_400, "request body ended early"))
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(System.Logger.Level.ERROR, "unexpected error on " + req.prologue().method() + " "
                            + req.path().path(), e);
                    Errors.send(req, res, Status.INTERNAL_SERVER_ERROR_500, "internal error");
                });
    }
}
