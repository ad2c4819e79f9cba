using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>
/// The built host running <c>serve --urls http://127.0.0.1:0</c> as a separate process, as a user starts it; the bound
/// address is read from its "listening on URL" line. Disposing kills it if it is still running.
/// </summary>
internal sealed partial class HostServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostServer(Process process)
    {
        _process = process;
    }

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The OpenAI-compatible base (BaseAddress + "v1/").</summary>
    public Uri V1 => new(BaseAddress, "v1/");

    /// <summary>Everything the process wrote so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the host with <paramref name="arguments"/> after <c>serve --urls http://127.0.0.1:0</c> and waits until it listens.</summary>
    public static async Task<HostServer> StartAsync(params string[] arguments)
    {
        string executable = Path.Combine(RepositoryPaths.HostFolder, OperatingSystem.IsWindows() ? "LlmFramework.Host.exe" : "LlmFramework.Host");
        Assert.True(File.Exists(executable), $"the host is not built at {executable}; build src/Host");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var server = new HostServer(Process.Start(start)!);
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        Task exited = server._process.WaitForExitAsync();
        Task first = await Task.WhenAny(server._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != server._listening.Task)
        {
            string output = server.Output;
            server.Dispose();
            Assert.Fail($"the host did not start listening: {output}");
        }

        server.BaseAddress = await server._listening.Task;
        return server;
    }

    /// <summary>Asks the host to shut down gracefully (SIGTERM) and waits for it to exit.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match m = ListeningLine().Match(line);
        if (m.Success)
        {
            _listening.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
