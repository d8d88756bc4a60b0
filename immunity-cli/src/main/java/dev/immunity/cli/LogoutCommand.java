package dev.immunity.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code immunity logout}: forgets the tokens {@code immunity login} stored for a server. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Remove the token 'immunity login' stored for the server.")
public final class LogoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server;

    private final CliContext context;

    public LogoutCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        boolean had = context.credentials().remove(server.base());
        spec.commandLine().getOut().println(had ? "Signed out of " + server.base() + ": its token is removed."
                : "No token was stored for " + server.base() + ".");
        return 0;
    }
}
