package dev.immunity.cli;

import dev.immunity.server.config.ServerConfig;
import dev.immunity.server.notify.Notifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code immunity notify test --route NAME}: one test message on a configured notification route. */
@Command(name = "notify", mixinStandardHelpOptions = true, description = "Notification routes (immunity.notify.routes).",
        subcommands = NotifyCommand.Test.class)
public final class NotifyCommand {

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Send one test message on a route, from this machine, as the server would; exits 1 when the "
                    + "receiver does not take it.")
    static final class Test implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--route", paramLabel = "NAME", required = true, description = "The route's name.")
        String route;

        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file with the routes "
                + "(also IMMUNITY_CONFIG).")
        String config;

        private final CliContext context;

        Test(CliContext context) {
            this.context = context;
        }

        @Override
        public Integer call() throws Exception {
            Map<String, String> overrides = new HashMap<>();
            if (config != null) {
                overrides.put("immunity.config", config);
            }
            dev.immunity.server.notify.NotifySettings settings;
            try {
                settings = ServerConfig.load(overrides, System.getenv()).notifications();
            } catch (ServerConfig.ConfigException e) {
                throw new ImmunityCli.UserException("configuration: " + e.getMessage());
            }
            if (settings.routes().isEmpty()) {
                throw new ImmunityCli.UserException("no notification routes: add immunity.notify.routes to the YAML "
                        + "configuration (--config FILE or IMMUNITY_CONFIG)");
            }
            boolean taken;
            try {
                taken = Notifier.test(settings, route, context.clock());
            } catch (IllegalArgumentException e) {
                throw new ImmunityCli.UserException(e.getMessage());
            }
            if (!taken) {
                throw new ImmunityCli.UserException("route " + route + ": the receiver did not take the test message "
                        + "(see the log line above)");
            }
            spec.commandLine().getOut().println("sent a test message on route " + route);
            return 0;
        }
    }
}
