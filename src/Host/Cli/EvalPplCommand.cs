using System.CommandLine;
using System.Globalization;
using LlmFramework.Engine;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`eval-ppl`: perplexity of a model on a text file, with a progress bar on stderr.</summary>
internal static class EvalPplCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var file = new Option<string>("--file", "-f") { Description = "UTF-8 text file to score", Required = true };
        var backend = new Option<string?>("--backend") { Description = "Backend to prefer (default: the config's; CPU is the fallback)" };
        var window = new Option<int>("--window") { Description = "Tokens per scored window (each window is a fresh sequence)", DefaultValueFactory = _ => 512 };
        var command = new Command("eval-ppl", "Perplexity of a model on a text file (prints 'perplexity: X')");
        common.AddTo(command);
        command.Options.Add(file);
        command.Options.Add(backend);
        command.Options.Add(window);
        command.SetAction((parse, cancellationToken) => Task.FromResult(CliRunner.Run(() =>
        {
            string path = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(path))
            {
                throw new ArgumentException($"--file '{path}' does not exist");
            }

            string? backendName = parse.GetValue(backend);
            using CliSession session = CliSession.Open(parse, common);
            if (!string.IsNullOrWhiteSpace(backendName))
            {
                session.Options.Backends.Preferred = [backendName];
            }

            ModelRuntime runtime = session.Runtime;
            if (!string.IsNullOrWhiteSpace(backendName) && !runtime.Engine.Backends.Any(b => string.Equals(b.Name, backendName, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"--backend '{backendName}' is not available (running on {string.Join(", ", runtime.Engine.Backends.Select(b => b.Name))}); run with --verbose to see why");
            }

            int[] tokens = runtime.Model.Tokenizer.Encode(File.ReadAllText(path));
            int windowTokens = Math.Min(parse.GetValue(window), runtime.Engine.ContextLength);
            var started = System.Diagnostics.Stopwatch.StartNew();
            PerplexityResult result = PerplexityEvaluator.Evaluate(runtime.Engine, tokens, windowTokens, (done, total) =>
            {
                double fraction = (double)done / total;
                int filled = (int)(fraction * 30);
                Console.Error.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {done}/{total} tokens, {done / Math.Max(1e-9, started.Elapsed.TotalSeconds):F0} tok/s ");
            }, cancellationToken);
            Console.Error.WriteLine();
            Console.WriteLine($"perplexity: {result.Perplexity.ToString("F4", CultureInfo.InvariantCulture)}");
            Console.Error.WriteLine($"{result.Predictions} predictions, windows of {windowTokens} tokens, {started.Elapsed.TotalSeconds:F1} s");
            return 0;
        })));
        return command;
    }
}
