using System.Globalization;
using System.Reflection;
using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Benchmarks.MoeOffload;
using LlmFramework.Models.DeepSeek.TestModels;
using LlmFramework.Parity.Tests;

BenchOptions o;
try
{
    o = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (o.ChildModel is not null)
{
    return ChildRun.Run(o);
}

if (!DTypeInfo.TryParse(o.DType, out DType dtype))
{
    Console.Error.WriteLine($"--dtype {o.DType} is not a weight type");
    return 2;
}

string folder = o.ModelDirectory ?? Path.Combine(
    typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ProjectDirectory").Value!, "models");
Directory.CreateDirectory(folder);
var spec = new TestModelSpec
{
    Architecture = "deepseek2",
    Dim = o.Dim,
    Layers = o.Layers,
    Heads = 8,
    FeedForward = o.Dim * 2,
    VocabSize = 4096,
    ContextLength = 2048,
    DType = dtype,
    Seed = 11,
    Extra = new Dictionary<string, string>
    {
        ["experts"] = o.Experts.ToString(CultureInfo.InvariantCulture),
        ["experts-per-token"] = o.ExpertsPerToken.ToString(CultureInfo.InvariantCulture),
        ["shared-experts"] = o.SharedExperts.ToString(CultureInfo.InvariantCulture),
        ["expert-ffn"] = o.ExpertFfn.ToString(CultureInfo.InvariantCulture),
        ["dense-layers"] = o.DenseLayers.ToString(CultureInfo.InvariantCulture),
        ["q-lora-rank"] = "128",
        ["kv-lora-rank"] = "128",
        ["qk-nope-dim"] = "32",
        ["qk-rope-dim"] = "32",
        ["v-head-dim"] = "32",
        ["gating"] = "sigmoid",
        ["expert-groups"] = "8",
        ["expert-groups-used"] = "4",
    },
};
string path = Path.Combine(folder, $"deepseek2-moe-{o.Dim}x{o.Layers}-e{o.Experts}k{o.ExpertsPerToken}s{o.SharedExperts}-{o.DType}.gguf");
if (!File.Exists(path))
{
    Console.Error.WriteLine($"writing {path} ...");
    DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, path);
}

Console.WriteLine($"model {Path.GetFileName(path)}: {new FileInfo(path).Length / 1048576.0:F1} MiB; {o.Threads} threads; decode {o.Tokens} tokens after {o.Warmup} warm-up tokens; Zipf s = {o.Zipf} (top 25% of experts get {ZipfRouteBackend.TopShare(o.Experts, o.Zipf, 0.25):P0} of one draw)");
var results = new List<JsonElement>();
foreach (string routing in o.Routings)
{
    foreach (double fraction in o.Fractions)
    {
        // Each row is the median (by decode speed) of --repeat fresh processes: single runs on a shared machine vary a lot.
        var runs = new List<JsonElement>();
        for (int i = 0; i < o.Repeat; i++)
        {
            JsonElement run = ChildRun.Spawn(path, routing, fraction, o);
            Console.Error.WriteLine(run.ToString());
            runs.Add(run);
        }

        results.Add(runs.OrderBy(x => x.GetProperty("decode_tps").GetDouble()).ElementAt(runs.Count / 2));
    }
}

Console.WriteLine();
Console.WriteLine("| routing | resident | budget MiB | decode tok/s | vs 100 % | cold experts / token | peak RSS MiB | RSS file MiB |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (JsonElement r in results)
{
    string routing = r.GetProperty("routing").GetString()!;
    double all = results.First(x => x.GetProperty("routing").GetString() == routing && x.GetProperty("fraction").GetDouble() == o.Fractions.Max()).GetProperty("decode_tps").GetDouble();
    double tps = r.GetProperty("decode_tps").GetDouble();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {routing} | {r.GetProperty("fraction").GetDouble():P1} | {r.GetProperty("budget_bytes").GetInt64() / 1048576.0:F1} | {tps:F1} | {tps / all:P0} | {r.GetProperty("cold_uses_per_token").GetDouble():F2} | {r.GetProperty("peak_rss").GetInt64() / 1048576.0:F1} | {r.GetProperty("rss_file").GetInt64() / 1048576.0:F1} |"));
}

if (o.LlamaCpp)
{
    int[] prompt = ChildRun.Prompt(16, spec.VocabSize, seed: 10);
    using var reference = new LlamaCppReference(path, o.Threads, contextSize: 16 + o.Tokens + 1, exactAttention: false);
    reference.Bench(prompt, o.Tokens);
    var runs = Enumerable.Range(0, 3).Select(_ => reference.Bench(prompt, o.Tokens).DecodeTps).Order().ToList();
    double ours = results.FirstOrDefault(x => x.GetProperty("routing").GetString() == "model" && x.GetProperty("fraction").GetDouble() == 1).ValueKind == JsonValueKind.Undefined
        ? double.NaN
        : results.First(x => x.GetProperty("routing").GetString() == "model" && x.GetProperty("fraction").GetDouble() == 1).GetProperty("decode_tps").GetDouble();
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"llama.cpp decode on the same file: {runs[1]:F1} tok/s (median of 3); ours all resident, model routing: {ours:F1} tok/s = {ours / runs[1]:F2}x"));
}

return 0;
