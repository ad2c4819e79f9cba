using System.Diagnostics;

namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>Runs a sample that the test project's build built (samples/NAME/bin/CONFIG/net10.0/NAME.dll).</summary>
public static class SampleRunner
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string name, params string[] args)
    {
        string dll = Path.Combine(RepositoryRoot, "samples", name, "bin", Configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    }
}
