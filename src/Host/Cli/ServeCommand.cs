using System.CommandLine;
using System.Runtime.InteropServices;
using LlmFramework.Host.Serving;

namespace LlmFramework.Host.Cli;

/// <summary>
/// `serve`: the OpenAI-compatible HTTP server (docs/serving.md). Prints <c>listening on URL</c> per bound address once
/// ready; SIGTERM or Ctrl+C shuts down gracefully (in-flight requests get LlmFramework:Server:ShutdownTimeoutSeconds).
/// </summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Command Create()
    {
        var common = new CommonOptions();
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (default LlmFramework:Server:Urls, http://127.0.0.1:8080; port 0 picks a free one)" };
        var command = new Command(Name, "Serve the configured models over HTTP (OpenAI-compatible API, binary streaming, metrics)");
        common.AddTo(command);
        command.Options.Add(urls);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string? listen = parse.GetValue(urls);
            using CliSession session = CliSession.Open(parse, common, hotReload: true, verbOverrides: listen is null ? null : [$"LlmFramework:Server:Urls={listen}"]);
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.TrySetResult();
            }

            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            ServerHost server = ServerHost.StartAsync(session.Options, session.Plugins, session.LoggerFactory).GetAwaiter().GetResult();
            foreach (string address in server.Addresses)
            {
                Console.WriteLine($"listening on {address}");
            }

            Console.Out.Flush();
            stop.Task.GetAwaiter().GetResult();
            Console.Error.WriteLine($"shutting down: {server.State.InFlight} requests in flight, waiting up to {session.Options.Server.ShutdownTimeoutSeconds} s");
            server.StopAsync().GetAwaiter().GetResult();
            Console.Error.WriteLine("stopped");
            return 0;
        }));
        return command;
    }
}
