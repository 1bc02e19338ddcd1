package dev.coderadmission.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code coder-admission}: the verbs of the one jar. */
@Command(name = "coder-admission",
        mixinStandardHelpOptions = true,
        versionProvider = RootCommand.Version.class,
        description = "Admission webhook that keeps a self-hosted Coder private to its tailnet.",
        subcommands = {ServeCommand.class, DryRunCommand.class, TestCommand.class, AuditCommand.class, CertsCommand.class, TrainCommand.class,
                CommandLine.HelpCommand.class})
public final class RootCommand implements Runnable {
    /** Exit code meaning "a server is running: do not call System.exit". */
    public static final int KEEP_RUNNING = Integer.MIN_VALUE;

    /** Exit codes, as Kyverno's and Gatekeeper's CLIs use them. */
    public static final int OK = 0;
    public static final int DENIED = 1;
    public static final int USAGE_OR_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static CommandLine commandLine() {
        var commandLine = new CommandLine(new RootCommand());
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
