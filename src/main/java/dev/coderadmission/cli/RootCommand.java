package dev.coderadmission.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/** {@code coder-admission}: the verbs of the one jar. */
@Command(name = "coder-admission",
        mixinStandardHelpOptions = true,
        // every verb takes --help and --version too (`serve --help`, as kubectl's and kyverno's do)
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = RootCommand.Version.class,
        description = "Admission webhook that keeps a self-hosted Coder private to its tailnet.")
public final class RootCommand implements Runnable {
    /** Exit code meaning "a server is running: do not call System.exit". */
    public static final int KEEP_RUNNING = Integer.MIN_VALUE;

    /** Exit codes, as Kyverno's and Gatekeeper's CLIs use them. */
    public static final int OK = 0;
    public static final int DENIED = 1;
    public static final int USAGE_OR_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The verbs, in the order {@code --help} lists them ({@code train} is hidden). */
    private static final List<String> VERBS = List.of("serve", "dry-run", "test", "audit", "certs", "train", "help");

    // A switch, not a map of constructor references: the JDK 25 AOT cache writer crashed
    // (archiveHeapWriter.cpp guarantee) archiving such a map's lambdas.
    private static Object verb(String name) {
        return switch (name) {
            case "serve" -> new ServeCommand();
            case "dry-run" -> new DryRunCommand();
            case "test" -> new TestCommand();
            case "audit" -> new AuditCommand();
            case "certs" -> new CertsCommand();
            case "train" -> new TrainCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Runs {@code serve}, {@code serve --config FILE}, {@code serve -c FILE} or {@code serve --config=FILE}
     * (the container's command) without picocli, whose model of even one verb is built by reflecting over
     * its annotations: the JDK generates a proxy class per annotation type, and the whole was 0.13 s of
     * the main thread's CPU at start-up (async-profiler, README "Start-up"). Any other arguments (help,
     * a typo, an {@code @file}, an option-like value) are left to picocli: empty then.
     *
     * @return the exit code, as {@code commandLine(args).execute(args)} would return it
     */
    public static OptionalInt serveDirectly(String[] args) {
        if (args.length == 0 || !args[0].equals("serve")) {
            return OptionalInt.empty();
        }
        String file;
        if (args.length == 1) {
            file = null;
        } else if (args.length == 2 && args[1].startsWith("--config=")) {
            file = args[1].substring("--config=".length());
        } else if (args.length == 3 && (args[1].equals("--config") || args[1].equals("-c"))) {
            file = args[2];
        } else {
            return OptionalInt.empty();
        }
        Path path = null;
        if (file != null) {
            if (file.isEmpty() || file.startsWith("-") || file.startsWith("@")) {
                return OptionalInt.empty();
            }
            try {
                path = Path.of(file);
            } catch (InvalidPathException e) {
                return OptionalInt.empty(); // picocli's usage error says it
            }
        }
        var err = new PrintWriter(System.err, true);
        try {
            return OptionalInt.of(ServeCommand.serve(path, err));
        } catch (RuntimeException e) {
            // as picocli's execute() with this class's exception mapper: the trace, then exit code 2
            e.printStackTrace(err);
            return OptionalInt.of(USAGE_OR_INPUT);
        }
    }

    /** The whole command line, every verb (for help, errors and tests). */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for these arguments. Picocli builds its model by reflecting over every
     * subcommand it is given, a sixth of {@code serve}'s start-up for verbs that are not run: when the
     * first argument names a verb, only that one is added ({@code --help} of that verb reads the same).
     */
    public static CommandLine commandLine(String[] args) {
        var commandLine = new CommandLine(new RootCommand());
        if (args.length > 0 && VERBS.contains(args[0]) && !args[0].equals("help")) {
            commandLine.addSubcommand(args[0], verb(args[0]));
        } else {
            for (var name : VERBS) {
                commandLine.addSubcommand(name, verb(name));
            }
        }
        commandLine.setExitCodeExceptionMapper(e -> USAGE_OR_INPUT);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: serve, dry-run or certs");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var version = RootCommand.class.getPackage().getImplementationVersion();
            return new String[] {"coder-admission " + (version == null ? "development build" : version)};
        }
    }
}
