using System.CommandLine;
using LlmFramework.Host.Cli;

namespace LlmFramework.Host;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("LlmFramework host: run LLMs with pluggable backends and model families")
        {
            GenerateCommand.Create(),
            ChatCommand.Create(),
            PluginsCommand.Create(),
            MakeTestModelCommand.Create(),
            LogitsCommand.Create(),
            BenchCommand.Create(),
            EvalPplCommand.Create(),
            ExportGgufCommand.Create(),
            ServeCommand.Create(),
            MoeStatsCommand.Create(),
        };
        ParseResult parse = root.Parse(args);

        // serve handles SIGTERM/Ctrl+C itself (graceful shutdown can take longer than the parser's 2 s grace).
        var invocation = new InvocationConfiguration();
        if (parse.CommandResult.Command.Name == ServeCommand.Name)
        {
            invocation.ProcessTerminationTimeout = null;
        }

        return parse.Invoke(invocation);
    }
}
