using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>Prints the results as a text table and as JSON.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static string Table(BenchmarkOptions options, IReadOnlyList<ModelResult> results, double? loadBefore, double? loadAfter)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"load average before {loadBefore:F1}, after {loadAfter:F1} ({Environment.ProcessorCount} cores)");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"threads {options.Threads}, prompt {options.PromptTokens} tokens, decode {options.GenTokens} tokens, best of {options.Runs} after a warm-up, ceiling at {options.EffectiveBandwidthGBs:F0} GB/s");
        text.AppendLine("dtype  engine        prefill tok/s  decode tok/s  MB/token  ceiling tok/s  of ceiling");
        foreach (ModelResult r in results)
        {
            foreach (EngineSpeed? speed in new[] { r.LlamaCpp, r.Ours })
            {
                if (speed is null)
                {
                    continue;
                }

                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{r.DType,-6} {speed.Engine,-13} {speed.PrefillTps,13:F1} {speed.DecodeTps,13:F1} {r.WeightBytesPerToken / 1e6,9:F1} {r.CeilingDecodeTps,14:F1} {speed.DecodeTps / r.CeilingDecodeTps,10:P0}");
            }

            if (r.PrefillRatio is double prefill && r.DecodeRatio is double decode)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{r.DType,-6} ours/llama.cpp {prefill,12:F2}x {decode,12:F2}x   greedy tokens agreeing: {r.GreedyAgreement}/{r.GreedyCompared}");
            }
        }

        return text.ToString();
    }

    public static string Json(BenchmarkOptions options, IReadOnlyList<ModelResult> results, double? loadBefore, double? loadAfter) => JsonSerializer.Serialize(new
    {
        machine = new
        {
            processorCount = Environment.ProcessorCount,
            os = Environment.OSVersion.VersionString,
            runtime = Environment.Version.ToString(),
            loadAverageBefore = loadBefore,
            loadAverageAfter = loadAfter,
        },
        threads = options.Threads,
        promptTokens = options.PromptTokens,
        genTokens = options.GenTokens,
        runs = options.Runs,
        bandwidthGBs = options.EffectiveBandwidthGBs,
        models = results.Select(r => new
        {
            dtype = r.DType.ToString(),
            model = Path.GetFileName(r.ModelPath),
            weightBytesPerToken = r.WeightBytesPerToken,
            ceilingDecodeTps = Math.Round(r.CeilingDecodeTps, 1),
            llamaCpp = Speed(r.LlamaCpp, r),
            ours = Speed(r.Ours, r),
            ratioOursOverLlamaCpp = new { prefill = Round(r.PrefillRatio), decode = Round(r.DecodeRatio) },
            greedyAgreement = r.GreedyAgreement,
            greedyCompared = r.GreedyCompared,
        }),
    }, s_json);

    private static object? Speed(EngineSpeed? speed, ModelResult r) => speed is null ? null : new
    {
        prefillTps = Math.Round(speed.PrefillTps, 1),
        decodeTps = Math.Round(speed.DecodeTps, 1),
        decodeFractionOfCeiling = Math.Round(speed.DecodeTps / r.CeilingDecodeTps, 3),
        prefillRuns = speed.PrefillRuns.Select(v => Math.Round(v, 1)),
        decodeRuns = speed.DecodeRuns.Select(v => Math.Round(v, 1)),
    };

    private static double? Round(double? value) => value is double v ? Math.Round(v, 3) : null;
}
