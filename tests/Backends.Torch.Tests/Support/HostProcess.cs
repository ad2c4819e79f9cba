using System.Diagnostics;

namespace LlmFramework.Backends.Torch.Tests.Support;

/// <summary>The built host (src/Host/bin/&lt;cfg&gt;/net10.0/LlmFramework.Host) and its plugin folder, run as a separate process.</summary>
internal static class HostProcess
{
    private static readonly Lazy<string> RepositoryRoot = new(() =>
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    });

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>The host's output folder.</summary>
    public static string HostFolder => Path.Combine(RepositoryRoot.Value, "src", "Host", "bin", Configuration, "net10.0");

    /// <summary>Where the torch plugin builds to.</summary>
    public static string TorchPluginFolder => Path.Combine(HostFolder, "plugins", "Torch");

    /// <summary>Runs the host with <paramref name="arguments"/>; <paramref name="environment"/> adds variables.</summary>
    public static (int ExitCode, string Out, string Error) Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        string executable = Path.Combine(HostFolder, OperatingSystem.IsWindows() ? "LlmFramework.Host.exe" : "LlmFramework.Host");
        Assert.True(File.Exists(executable), $"the host is not built at {executable}; build src/Host");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the host did not finish within 2 minutes: {string.Join(' ', arguments)}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs the host; see <see cref="Run(IReadOnlyDictionary{string, string}?, string[])"/>.</summary>
    public static (int ExitCode, string Out, string Error) Run(params string[] arguments) => Run(null, arguments);
}
