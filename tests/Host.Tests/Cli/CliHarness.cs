namespace LlmFramework.Host.Tests.Cli;

/// <summary>Runs the host's Main in-process with Console.Out and Console.Error captured (callers are in <see cref="ProcessStateCollection"/>).</summary>
internal static class CliHarness
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        TextWriter originalOut = Console.Out;
        TextWriter originalError = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exitCode = Program.Main(args);
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
