using System.Diagnostics;

namespace Contoso.LlmBackend.Tests.Support;

/// <summary>Runs the built host (`dotnet LlmFramework.Host.dll verb ...`) as a user would, with a time limit.</summary>
internal static class HostProcess
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SamplePaths.RepositoryRoot,
        };
        start.ArgumentList.Add(SamplePaths.HostAssembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Settings from the environment of whoever runs the tests must not change what the host does.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("LLMF_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"host {string.Join(' ', args)} did not finish in 60 s");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
