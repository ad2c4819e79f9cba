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
        };
        return root.Parse(args).Invoke();
    }
}
