using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Engine.Moe;
using LlmFramework.Models.DeepSeek;
using LlmFramework.Models.DeepSeek.Loading;
using LlmFramework.Schedulers.LoadAware;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>One measurement in a fresh process (so peak RSS is this configuration's alone).</summary>
internal static class ChildRun
{
    /// <summary>Timed generations per process; the median is reported.</summary>
    private const int TimedRuns = 5;

    public static int Run(BenchOptions o)
    {
        using var model = (DeepSeekModel)new DeepSeekFamily().Load(ModelSource.Open(o.ChildModel!), new ModelLoadOptions { ContextLength = 1024 });
        long expertBytes = model.Weights.FeedForward.Where(f => f.IsMoe).Sum(f => f.ExpertGate!.ByteLength + f.ExpertUp!.ByteLength + f.ExpertDown!.ByteLength);
        long budget = (long)(expertBytes * o.ChildFraction);
        IBackend cpuBackend = new CpuBackendFactory().Create(new BackendOptions { Threads = o.Threads });
        using IBackend cpu = o.Profile ? new OpTimingBackend(cpuBackend) : cpuBackend;
        using var zipf = new ZipfRouteBackend(o.Zipf, seed: 7);
        IBackend[] backends = o.ChildRouting == "zipf" ? [zipf, cpu] : [cpu];
        var options = new EngineOptions
        {
            Threads = o.Threads,
            MaxSequences = 1,
            ContextLength = 1024,
            Moe = new MoeOptions
            {
                Scheduler = o.Devices > 1
                    ? new Schedulers.Balanced.BalancedSchedulerFactory().Create(new Dictionary<string, string>())
                    : new LoadAwareSchedulerFactory().Create(o.Compact is null || o.ChildFraction >= 1 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["CompactFormat"] = o.Compact }),
                DeviceCount = o.Devices,
                ExpertDeviceFactory = o.Devices > 1 ? new CpuBackendFactory() : null,
                ExpertBudgetBytes = budget,
                RebalanceSteps = 8,
                WindowSteps = 512,
                PrefetchNextLayer = o.Prefetch,
            },
        };
        using var engine = new InferenceEngine(model, backends, options);
        MoeRuntime moe = engine.Moe!;
        int[] warmPrompt = Prompt(16, model.Info.VocabSize, seed: 1);
        engine.GenerateGreedy(warmPrompt, o.Warmup, out _);
        moe.Rebalance();
        Thread.Sleep(300); // promotions are warmed up in the background

        var runs = new List<double>();
        long coldBefore = moe.ColdUses;
        for (int run = 0; run < TimedRuns; run++)
        {
            engine.GenerateGreedy(Prompt(16, model.Info.VocabSize, seed: 10 + run), o.Tokens, out GenerationStats stats);
            runs.Add(stats.DecodeTokensPerSecond);
        }

        if (cpu is OpTimingBackend timing)
        {
            timing.Reset();
            engine.GenerateGreedy(Prompt(16, model.Info.VocabSize, seed: 20), o.Tokens, out _);
            Console.Error.WriteLine($"profile ({o.Tokens + 16} tokens): {timing.Report(o.Tokens + 16)}");
        }

        double coldPerToken = (moe.ColdUses - coldBefore) / ((double)TimedRuns * (o.Tokens + 16));
        runs.Sort();
        var result = new Dictionary<string, object>
        {
            ["routing"] = o.ChildRouting,
            ["fraction"] = o.ChildFraction,
            ["budget_bytes"] = budget,
            ["expert_bytes"] = expertBytes,
            ["resident_bytes"] = moe.ResidentBytes,
            ["pageable"] = moe.Pageable,
            ["decode_tps"] = runs[TimedRuns / 2],
            ["decode_tps_runs"] = runs,
            ["cold_uses_per_token"] = coldPerToken,
            ["peak_rss"] = ProcessMemory.PeakRss,
            ["rss"] = ProcessMemory.Rss,
            ["rss_file"] = ProcessMemory.RssFile,
            ["rss_anon"] = ProcessMemory.RssAnon,
            ["cold_releases"] = moe.ColdReleases,
            ["staged_reads"] = moe.StagedReads,
            ["staging_us_per_read"] = moe.StagedReads > 0 ? moe.StagingSeconds * 1e6 / moe.StagedReads : 0,
            ["cold_uses"] = moe.ColdUses,
            ["compact_experts"] = moe.CompactExperts,
            ["devices"] = o.Devices,
            ["measured_balancedness"] = moe.DeviceLoad?.LifetimeBalancedness ?? 1,
            ["compact_bytes"] = moe.CompactBytes,
            ["compact_conversion_s"] = moe.CompactConversionSeconds,
            ["prediction_hit_rate"] = moe.PredictionChecks > 0 ? (double)moe.PredictionHits / moe.PredictionChecks : 0,
            ["cold_prefetches"] = moe.ColdPrefetches,
            ["cold_prefetch_hits"] = moe.ColdPrefetchHits,
            ["advice_failures"] = MoeRuntime.PageAdviceFailures,
            ["model_rss"] = ProcessMemory.MappedFileRss(o.ChildModel!),
            ["mapped_resident"] = Mapped(model, moe, resident: true),
            ["mapped_cold"] = Mapped(model, moe, resident: false),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static long Mapped(DeepSeekModel model, MoeRuntime moe, bool resident)
    {
        using var pagemap = new FileStream("/proc/self/pagemap", FileMode.Open, FileAccess.Read);
        long total = 0;
        int layer = 0;
        foreach (var f in model.Weights.FeedForward.Where(f => f.IsMoe))
        {
            for (int e = 0; e < moe.Shape.ExpertCount; e++)
            {
                if (moe.Placement.IsResident(layer, e) == resident)
                {
                    foreach (var w in new[] { f.ExpertGate!, f.ExpertUp!, f.ExpertDown! })
                    {
                        total += PageMap.PresentBytes(pagemap, w, moe.Shape.ExpertCount, e);
                    }
                }
            }

            layer++;
        }

        return total;
    }

    public static int[] Prompt(int length, int vocab, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(3, vocab))];
    }

    /// <summary>Runs one configuration in a child process and returns its JSON result.</summary>
    public static JsonElement Spawn(string model, string routing, double fraction, BenchOptions o)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--child-model", model, "--child-routing", routing, "--child-fraction", fraction.ToString(CultureInfo.InvariantCulture),
            "--zipf", o.Zipf.ToString(CultureInfo.InvariantCulture), "--tokens", o.Tokens.ToString(CultureInfo.InvariantCulture),
            "--warmup", o.Warmup.ToString(CultureInfo.InvariantCulture), "--threads", o.Threads.ToString(CultureInfo.InvariantCulture),
            .. (o.Profile ? new[] { "--profile" } : []),
            .. (o.Prefetch ? Array.Empty<string>() : ["--no-prefetch"]),
            .. (o.Compact is null ? Array.Empty<string>() : ["--compact", o.Compact]),
            "--devices", o.Devices.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.RedirectStandardError = false;
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"child run {routing} {fraction} failed with exit code {p.ExitCode}");
        }

        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }
}
