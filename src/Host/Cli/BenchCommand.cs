using System.CommandLine;
using System.Text.Json;
using LlmFramework.Engine;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`bench`: prefill and decode tokens per second of greedy generation, as JSON.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length", DefaultValueFactory = _ => 64 };
        var genTokens = new Option<int>("--gen-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 64 };
        var repetitions = new Option<int>("--repetitions") { Description = "Runs (the best is reported)", DefaultValueFactory = _ => 3 };
        var format = new Option<string>("--format") { Description = "json", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json");
        var command = new Command("bench", "Measure prefill and decode tokens/s (JSON)");
        common.AddTo(command);
        command.Options.Add(promptTokens);
        command.Options.Add(genTokens);
        command.Options.Add(repetitions);
        command.Options.Add(format);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            int p = parse.GetValue(promptTokens);
            int g = parse.GetValue(genTokens);
            int reps = parse.GetValue(repetitions);
            if (p < 1 || g < 2 || reps < 1)
            {
                throw new ArgumentException("--prompt-tokens must be >= 1, --gen-tokens >= 2 and --repetitions >= 1");
            }

            using CliSession session = CliSession.Open(parse, common);
            ModelRuntime runtime = session.Runtime;
            InferenceEngine engine = runtime.Engine;
            if (p + g > engine.ContextLength)
            {
                throw new ArgumentException($"--prompt-tokens + --gen-tokens = {p + g} exceeds the context length {engine.ContextLength}");
            }

            var rng = new Random(1234);
            int[] prompt = Enumerable.Range(0, p).Select(_ => rng.Next(engine.VocabSize)).ToArray();
            engine.GenerateGreedy(prompt, Math.Min(g, 8), out _); // warm-up (JIT, page-in)
            GenerationStats? best = null;
            double bestPrefill = 0;
            for (int r = 0; r < reps; r++)
            {
                engine.GenerateGreedy(prompt, g, out GenerationStats stats);
                bestPrefill = Math.Max(bestPrefill, stats.PrefillTokensPerSecond);
                if (best is null || stats.DecodeTokensPerSecond > best.DecodeTokensPerSecond)
                {
                    best = stats;
                }
            }

            var doc = new
            {
                model = runtime.ModelPath,
                description = runtime.Model.Info.Description,
                threads = engine.Threads,
                backends = engine.Backends.Select(b => b.Name),
                prompt_tokens = p,
                gen_tokens = g,
                prefill_tps = Math.Round(bestPrefill, 2),
                decode_tps = Math.Round(best!.DecodeTokensPerSecond, 2),
            };
            Console.WriteLine(JsonSerializer.Serialize(doc));
            return 0;
        }));
        return command;
    }
}
