using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LlmFramework.Engine;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`logits`: the top-k logits of the last prompt position as JSON, and the tokens greedy decoding then picks.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Prompt text (encoded with the model's tokenizer, BOS added when the model uses one)" };
        var ids = new Option<string?>("--ids") { Description = "Prompt as token ids: 1,2,3" };
        var top = new Option<int>("--top") { Description = "How many logits to print", DefaultValueFactory = _ => 10 };
        var greedy = new Option<int>("--greedy") { Description = "Greedy-decode this many tokens after the prompt", DefaultValueFactory = _ => 0 };
        var format = new Option<string>("--format") { Description = "json", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json");
        var command = new Command("logits", "Print the top-k logits of the last prompt position (JSON)");
        common.AddTo(command);
        command.Options.Add(prompt);
        command.Options.Add(ids);
        command.Options.Add(top);
        command.Options.Add(greedy);
        command.Options.Add(format);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string? text = parse.GetValue(prompt);
            string? idList = parse.GetValue(ids);
            if ((text is null) == (idList is null))
            {
                throw new ArgumentException("give exactly one of --prompt and --ids");
            }

            int k = parse.GetValue(top);
            if (k < 1)
            {
                throw new ArgumentException($"--top must be at least 1, got {k}");
            }

            int n = parse.GetValue(greedy);
            if (n < 0)
            {
                throw new ArgumentException($"--greedy must not be negative, got {n}");
            }

            using CliSession session = CliSession.Open(parse, common);
            ModelRuntime runtime = session.Runtime;
            int[] tokens = idList is not null ? ParseIds(idList, runtime.Engine.VocabSize) : runtime.Model.Tokenizer.Encode(text!);
            if (tokens.Length == 0)
            {
                throw new ArgumentException("the prompt encodes to no tokens");
            }

            float[] logits = runtime.Engine.GetLogits(tokens);
            int[] order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(k).ToArray();
            IReadOnlyList<int> greedyIds = n > 0 ? runtime.Engine.GenerateGreedy(tokens, n, out _) : [];
            var doc = new
            {
                top = order.Select(i => new { id = i, logit = logits[i] }),
                greedy = greedyIds,
            };
            Console.WriteLine(JsonSerializer.Serialize(doc));
            return 0;
        }));
        return command;
    }

    internal static int[] ParseIds(string list, int vocabSize)
    {
        string[] parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]) || result[i] < 0 || result[i] >= vocabSize)
            {
                throw new ArgumentException($"--ids: '{parts[i]}' is not a token id in [0, {vocabSize})");
            }
        }

        return result;
    }
}
