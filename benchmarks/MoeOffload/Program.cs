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
// Rounds: every (routing, fraction) runs once per round in a fresh process, rounds repeat --repeat times, and a row's
// ratio is the median over rounds of its speed / the all-resident speed of the same round. This machine's speed drifts
// by up to 2x over minutes; interleaving cancels the drift that separate blocks of runs would fold into the ratios.
var runs = new Dictionary<(string Routing, double Fraction), List<JsonElement>>();
int[] llamaPrompt = ChildRun.Prompt(16, spec.VocabSize, seed: 10);
LlamaCppReference? llama = o.LlamaCpp ? new LlamaCppReference(path, o.Threads, contextSize: 16 + o.Tokens + 1, exactAttention: false) : null;
llama?.Bench(llamaPrompt, o.Tokens);
var llamaTps = new List<double>();
for (int round = 0; round < o.Repeat; round++)
{
    foreach (string routing in o.Routings)
    {
        foreach (double fraction in o.Fractions)
        {
            JsonElement run = ChildRun.Spawn(path, routing, fraction, o);
            Console.Error.WriteLine(run.ToString());
            (runs.TryGetValue((routing, fraction), out List<JsonElement>? list) ? list : runs[(routing, fraction)] = []).Add(run);
        }
    }

    if (llama is not null)
    {
        llamaTps.Add(llama.Bench(llamaPrompt, o.Tokens).DecodeTps);
    }
}

static double Tps(JsonElement r) => r.GetProperty("decode_tps").GetDouble();
static double Median(IEnumerable<double> values)
{
    double[] v = [.. values.Order()];
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
}

var results = new List<JsonElement>();
Console.WriteLine();
Console.WriteLine("| routing | resident | budget MiB | decode tok/s (median) | vs 100 % (median of per-round ratios) | per-round ratios | cold experts / token | next-layer prediction hits | peak RSS MiB | RSS file MiB |");
Console.WriteLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
foreach (string routing in o.Routings)
{
    List<JsonElement> baseline = runs[(routing, o.Fractions.Max())];
    foreach (double fraction in o.Fractions)
    {
        List<JsonElement> rows = runs[(routing, fraction)];
        double[] ratios = [.. rows.Select((r, round) => Tps(r) / Tps(baseline[round]))];
        JsonElement r = rows.OrderBy(Tps).ElementAt(rows.Count / 2);
        results.Add(r);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {routing} | {fraction:P1} | {r.GetProperty("budget_bytes").GetInt64() / 1048576.0:F1} | {Median(rows.Select(Tps)):F1} | {Median(ratios):P0} | {string.Join(" ", ratios.Select(x => x.ToString("P0", CultureInfo.InvariantCulture)))} | {r.GetProperty("cold_uses_per_token").GetDouble():F2} | {r.GetProperty("prediction_hit_rate").GetDouble():P0} | {rows.Max(x => x.GetProperty("peak_rss").GetInt64()) / 1048576.0:F1} | {r.GetProperty("rss_file").GetInt64() / 1048576.0:F1} |"));
    }
}

if (llama is not null && runs.ContainsKey(("model", o.Fractions.Max())))
{
    double[] ours = [.. runs[("model", o.Fractions.Max())].Select(Tps)];
    double[] ratios = [.. ours.Zip(llamaTps, (a, b) => a / b)];
    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"llama.cpp decode on the same file (one run per round, between ours): median {Median(llamaTps):F1} tok/s; ours all resident with the model's routing: median {Median(ours):F1} tok/s; ours / llama.cpp per round: {string.Join(" ", ratios.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} (median {Median(ratios):F2}x)"));
    llama.Dispose();
}

return 0;
