using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>Prints the results as markdown tables and as JSON.</summary>
internal static class ServingReport
{
    public const string Ours = "LlmFramework";
    public const string LlamaCpp = "llama.cpp";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Markdown(BenchmarkSetup setup, IReadOnlyList<VariantResult> variants)
    {
        ServingOptions o = setup.Options;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"`{setup.CommandLine}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Model {Path.GetFileName(setup.ModelPath)} ({o.DType}), {setup.WeightBytesPerToken / 1e6:F1} MB of weights read per decode step; " +
            $"{o.Threads} threads; prompt {o.PromptTokens} tokens, {o.GenTokens} generated per stream (greedy); batch {o.MaxBatchTokens} tokens; " +
            $"llama.cpp KV {(o.LlamaUnifiedKv ? "unified" : "split per sequence")}; best of {o.Runs} after a warm-up.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Load average (1 min) before {Format(setup.LoadBefore)}, after {Format(setup.LoadAfter)} on {Environment.ProcessorCount} cores. " +
            $"Single-stream decode ceiling: {o.EffectiveBandwidthGBs:F0} GB/s / {setup.WeightBytesPerToken / 1e6:F1} MB = {setup.CeilingSingleStreamTps:F0} tok/s.");
        text.AppendLine();
        text.AppendLine("Aggregate tok/s = all generated tokens / (last token - first submission); steady decode tok/s = tokens after the last stream's first token / the time from then to the last token; TTFT = submission to first token.");
        foreach (VariantResult variant in variants)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {variant.Variant}");
            text.AppendLine();
            text.AppendLine("| streams | engine | aggregate tok/s | steady decode tok/s | TTFT mean ms | TTFT p50 ms | TTFT p95 ms | wall s | steps |");
            text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (EngineRuns runs in variant.Results.OrderBy(r => r.Streams).ThenBy(r => r.Engine == Ours))
            {
                StreamStats b = runs.Best;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {b.Streams} | {b.Engine} | {b.AggregateTps:F1} | {Format(b.SteadyDecodeTps)} | {b.TtftMeanMs:F0} | {b.TtftP50Ms:F0} | {b.TtftP95Ms:F0} | {b.WallSeconds:F2} | {b.Steps} |");
            }

            text.AppendLine();
            text.AppendLine("| streams | ours / llama.cpp aggregate | ours scaling vs 1 stream | llama.cpp scaling vs 1 stream |");
            text.AppendLine("|---:|---:|---:|---:|");
            foreach (int streams in o.Streams)
            {
                double? ratio = variant.Find(Ours, streams) is { } a && variant.Find(LlamaCpp, streams) is { } l ? a.AggregateTps / l.AggregateTps : null;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {streams} | {FormatX(ratio)} | {FormatX(variant.Scaling(Ours, streams))} | {FormatX(variant.Scaling(LlamaCpp, streams))} |");
            }
        }

        return text.ToString();
    }

    public static string Json(BenchmarkSetup setup, IReadOnlyList<VariantResult> variants)
    {
        ServingOptions o = setup.Options;
        return JsonSerializer.Serialize(new
        {
            command = setup.CommandLine,
            machine = new
            {
                processorCount = Environment.ProcessorCount,
                os = Environment.OSVersion.VersionString,
                runtime = Environment.Version.ToString(),
                loadAverageBefore = setup.LoadBefore,
                loadAverageAfter = setup.LoadAfter,
            },
            model = Path.GetFileName(setup.ModelPath),
            dtype = o.DType.ToString(),
            weightBytesPerToken = setup.WeightBytesPerToken,
            bandwidthGBs = o.EffectiveBandwidthGBs,
            ceilingSingleStreamTps = Math.Round(setup.CeilingSingleStreamTps, 1),
            threads = o.Threads,
            promptTokens = o.PromptTokens,
            genTokens = o.GenTokens,
            maxBatchTokens = o.MaxBatchTokens,
            llamaKv = o.LlamaUnifiedKv ? "unified" : "split",
            runs = o.Runs,
            definitions = new
            {
                aggregateTps = "all generated tokens / (last token - first submission)",
                steadyDecodeTps = "tokens after the last stream's first token / (last token - that first token)",
                ttft = "per stream, submission to first token",
            },
            variants = variants.Select(v => new
            {
                variant = v.Variant,
                results = v.Results.Select(r => new
                {
                    engine = r.Engine,
                    streams = r.Streams,
                    best = Stats(r.Best),
                    scalingVsOneStream = Round(v.Scaling(r.Engine, r.Streams)),
                    runs = r.Runs.Select(Stats),
                }),
            }),
        }, s_json);
    }

    private static object Stats(StreamStats s) => new
    {
        tokens = s.Tokens,
        wallSeconds = Math.Round(s.WallSeconds, 3),
        aggregateTps = Math.Round(s.AggregateTps, 1),
        steadyDecodeTps = Round(s.SteadyDecodeTps),
        ttftMeanMs = Math.Round(s.TtftMeanMs, 1),
        ttftP50Ms = Math.Round(s.TtftP50Ms, 1),
        ttftP95Ms = Math.Round(s.TtftP95Ms, 1),
        ttftMaxMs = Math.Round(s.TtftMaxMs, 1),
        steps = s.Steps,
        prefixCacheHitTokens = s.PrefixCacheHitTokens,
    };

    private static double? Round(double? value) => value is double v ? Math.Round(v, 3) : null;

    private static string Format(double? value) => value is double v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string FormatX(double? value) => value is double v ? v.ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
}
