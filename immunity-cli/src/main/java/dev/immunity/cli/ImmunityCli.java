package dev.immunity.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code immunity} command. */
@Command(name = "immunity",
        mixinStandardHelpOptions = true,
        versionProvider = ImmunityCli.Version.class,
        description = "Real-time visibility of the vulnerability-remediation pipeline.",
        subcommands = {ServeCommand.class, WatchCommand.class, TriggerCommand.class, ApvsCommand.class,
                ApvCommand.class, PatchesCommand.class, PatchCommand.class, SlaCommand.class, MetricsCommand.class, NotifyCommand.class, LoginCommand.class, LogoutCommand.class,
                dev.immunity.cli.bench.BenchCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class ImmunityCli {

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // What scripts ask most often, answered without building the whole command tree.
            System.out.println(new Version().getVersion()[0]);
            return;
        }
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        if (code != ServeCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /** The configured command line (for tests and completion scripts). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, CliContext.system());
    }

    /** The configured command line over a given environment (terminal, HTTP client, clock). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, CliContext context) {
        CommandLine cl = new CommandLine(new ImmunityCli(), new Factory(context));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(new Errors());
        return cl;
    }

    /** Maps failures to one actionable line on stderr; the stack trace only with {@code --verbose}. */
    static final class Errors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
            boolean verbose = parsed.hasMatchedOption("--verbose")
                    || parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (e instanceof ServerOptions.BadUsage) {
                cl.getErr().println("immunity: " + e.getMessage());
                cl.getErr().println("Try 'immunity " + cl.getCommandName() + " --help' for usage.");
                return 2;
            }
            String message = e instanceof UserException ? e.getMessage()
                    : root instanceof java.net.BindException ? "cannot listen: " + root.getMessage()
                    + " (is another server on that port? choose one with --port)"
                    : root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
            cl.getErr().println("immunity: " + message);
            if (verbose) {
                e.printStackTrace(cl.getErr());
            }
            return 1;
        }
    }

    /** A failure whose message is already what the user should read. */
    public static final class UserException extends RuntimeException {
        public UserException(String message) {
            super(message);
        }

        public UserException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Creates commands with their collaborators from the context (constructor injection, as kcctl does). */
    static final class Factory implements CommandLine.IFactory {
        private final CliContext context;

        Factory(CliContext context) {
            this.context = context;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                return cls.getDeclaredConstructor(CliContext.class).newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ImmunityCli.class.getPackage().getImplementationVersion();
            return new String[] {"immunity " + (v == null ? "dev" : v)};
        }
    }
}
