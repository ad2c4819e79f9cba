using System.Diagnostics;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>
/// Runs the Node scripts in node/ (copied beside the tests) with the official OpenAI SDK for Node, installed once per
/// output folder with <c>npm install</c> from the pinned package.json (the only network use: the npm registry).
/// </summary>
internal static class NodeClient
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    /// <summary>The folder holding package.json and the scripts.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "node");

    /// <summary>Runs <c>node SCRIPT ARGS</c> and returns its exit code and output; installs the SDK first if needed.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string script, params string[] arguments)
    {
        await EnsureInstalledAsync();
        return await RunProcessAsync("node", [Path.Combine(Folder, script), .. arguments], TimeSpan.FromMinutes(2));
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed || File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json")))
            {
                _installed = true;
                return;
            }

            (int code, string output, string error) = await RunProcessAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(5));
            Assert.True(code == 0, $"npm install in {Folder} failed ({code}): {output}{error}");
            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int, string, string)> RunProcessAsync(string file, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"'{file}' could not be started ({ex.Message}): node 20+ and npm are needed for the Node SDK tests");
            throw;
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {timeout}");
            }

            return (process.ExitCode, await output, await error);
        }
    }
}
