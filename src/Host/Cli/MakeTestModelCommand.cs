using System.CommandLine;
using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Host.Cli;

/// <summary>`make-test-model`: writes a random-weight model of any config as GGUF or a Hugging Face folder.</summary>
internal static class MakeTestModelCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var arch = new Option<string>("--arch") { Description = "Architecture (e.g. llama)", DefaultValueFactory = _ => "llama" };
        var dim = new Option<int>("--dim") { Description = "Hidden size", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer layers", DefaultValueFactory = _ => 2 };
        var heads = new Option<int>("--heads") { Description = "Attention heads", DefaultValueFactory = _ => 4 };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads (default: --heads)" };
        var ffn = new Option<int>("--ffn") { Description = "Feed-forward size", DefaultValueFactory = _ => 128 };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size (>= 259)", DefaultValueFactory = _ => 512 };
        var context = new Option<int>("--context") { Description = "Context length", DefaultValueFactory = _ => 2048 };
        var tied = new Option<bool>("--tied") { Description = "Share the embedding table with the output layer" };
        var ropeTheta = new Option<float>("--rope-theta") { Description = "RoPE base", DefaultValueFactory = _ => 10000f };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16, bf16, q8_0, q4_0, q4_k, q6_k", DefaultValueFactory = _ => "f32" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "gguf or hf", DefaultValueFactory = _ => "gguf" };
        format.AcceptOnlyFromAmong("gguf", "hf");
        var output = new Option<string>("--out", "-o") { Description = "Output file (gguf) or folder (hf)", Required = true };
        var extra = new Option<string[]>("--extra") { Description = "Architecture-specific setting name=value (repeatable)" };
        var gating = new Option<string?>("--gating") { Description = "deepseek2: router scoring, softmax (V2) or sigmoid (V3, with a correction bias; default)" };
        gating.AcceptOnlyFromAmong("softmax", "sigmoid");
        Option<int?>[] deepSeekSizes = [.. DeepSeekIntegerOptions.Select(o => new Option<int?>(o.Name) { Description = "deepseek2: " + o.Description })];
        var command = new Command("make-test-model", "Write a random-weight model (for tests and plugin authors)");
        common.AddTo(command, includeModel: false);
        foreach (Option o in (Option[])[arch, dim, layers, heads, kvHeads, ffn, vocab, context, tied, ropeTheta, dtype, seed, format, output, extra, .. deepSeekSizes, gating])
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => CliRunner.Run(() =>
        {
            if (!DTypeInfo.TryParse(parse.GetValue(dtype), out DType type) || type == DType.I32)
            {
                throw new ArgumentException($"--dtype '{parse.GetValue(dtype)}' is not one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k");
            }

            var extras = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string pair in parse.GetValue(extra) ?? [])
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new ArgumentException($"--extra '{pair}' must be name=value");
                }

                extras[pair[..eq]] = pair[(eq + 1)..];
            }

            // Architecture flags go into Extra only when given, so a family without them still refuses them by name.
            IEnumerable<(string Name, string? Value)> given =
                [.. deepSeekSizes.Select(o => (o.Name, parse.GetValue(o)?.ToString(CultureInfo.InvariantCulture))), (gating.Name, parse.GetValue(gating))];
            foreach ((string name, string? value) in given.Where(g => g.Value is not null))
            {
                string key = name.TrimStart('-');
                if (!extras.TryAdd(key, value!))
                {
                    throw new ArgumentException($"{name} and --extra {key}=... are both given");
                }
            }

            var spec = new TestModelSpec
            {
                Architecture = parse.GetValue(arch)!,
                Dim = Positive(parse.GetValue(dim), "--dim"),
                Layers = Positive(parse.GetValue(layers), "--layers"),
                Heads = Positive(parse.GetValue(heads), "--heads"),
                KvHeads = Positive(parse.GetValue(kvHeads) ?? parse.GetValue(heads), "--kv-heads"),
                FeedForward = Positive(parse.GetValue(ffn), "--ffn"),
                VocabSize = Positive(parse.GetValue(vocab), "--vocab"),
                ContextLength = Positive(parse.GetValue(context), "--context"),
                TiedEmbeddings = parse.GetValue(tied),
                RopeTheta = parse.GetValue(ropeTheta),
                DType = type,
                Seed = parse.GetValue(seed),
                Extra = extras,
            };
            using CliSession session = CliSession.Open(parse, common);
            ITestModelWriter writer = session.Plugins.ModelFamilies.OfType<ITestModelWriter>()
                .FirstOrDefault(w => w.TestArchitectures.Contains(spec.Architecture, StringComparer.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"--arch '{spec.Architecture}': no loaded model family writes it; known: {string.Join(", ", session.Plugins.ModelFamilies.OfType<ITestModelWriter>().SelectMany(w => w.TestArchitectures))}");
            string path = Path.GetFullPath(parse.GetValue(output)!);
            writer.Write(spec, parse.GetValue(format) == "hf" ? CheckpointFormat.HuggingFaceFolder : CheckpointFormat.Gguf, path);
            Console.WriteLine(path);
            return 0;
        }));
        return command;
    }

    /// <summary>The integer deepseek2 flags (defaults are the writer's: small, test-friendly sizes).</summary>
    private static readonly (string Name, string Description)[] DeepSeekIntegerOptions =
    [
        ("--q-lora-rank", "rank of the query's low-rank path; 0 = a full query projection (default 32)"),
        ("--kv-lora-rank", "rank of the compressed key/value latent (default 32)"),
        ("--qk-rope-dim", "per-head query/key dims with RoPE, even (default 8)"),
        ("--qk-nope-dim", "per-head query/key dims without RoPE (default 16)"),
        ("--v-head-dim", "per-head value dims (default 16)"),
        ("--experts", "routed experts per MoE layer (default 8)"),
        ("--experts-per-token", "routed experts chosen per token (default 2)"),
        ("--shared-experts", "shared experts per MoE layer (default 1)"),
        ("--expert-ffn", "feed-forward width of one expert (default 32)"),
        ("--dense-layers", "leading layers with a dense feed-forward of --ffn (default 1)"),
        ("--expert-groups", "expert groups for group-limited routing (default 1)"),
        ("--expert-groups-used", "groups kept per token (default 1)"),
    ];

    private static int Positive(int value, string name) => value > 0 ? value : throw new ArgumentException($"{name} must be positive, got {value}");
}
