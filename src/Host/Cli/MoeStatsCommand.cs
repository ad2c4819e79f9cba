using System.CommandLine;
using System.Globalization;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Engine.Moe;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>
/// `moe-stats`: routing statistics of an MoE model and the placement its scheduler makes from them. Either runs a
/// prompt (greedy) to gather counts, or shows saved counts (--load); --save writes them for a warm start
/// (LlmFramework:Moe:StatisticsFile).
/// </summary>
internal static class MoeStatsCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Text to run through the model to gather routing counts" };
        var tokens = new Option<int>("--tokens") { Description = "Tokens to generate after the prompt (greedy)", DefaultValueFactory = _ => 32 };
        var load = new Option<string?>("--load") { Description = "Start from statistics saved with --save (MessagePack)" };
        var save = new Option<string?>("--save") { Description = "Write the statistics (MessagePack) for a warm start" };
        var top = new Option<int>("--top") { Description = "Hottest experts listed per layer", DefaultValueFactory = _ => 8 };
        var command = new Command("moe-stats", "Show a mixture-of-experts model's routing statistics and expert placement");
        common.AddTo(command);
        foreach (Option o in new Option[] { prompt, tokens, load, save, top })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => CliRunner.Run(() =>
        {
            string? loadPath = parse.GetValue(load);
            var overrides = new List<string>();
            if (loadPath is not null)
            {
                if (!File.Exists(loadPath))
                {
                    throw new FileNotFoundException($"--load {loadPath}: no such statistics file", loadPath);
                }

                overrides.Add($"LlmFramework:Moe:StatisticsFile={Path.GetFullPath(loadPath)}");
            }

            using CliSession session = CliSession.Open(parse, common, verbOverrides: overrides);
            ModelRuntime runtime = session.Runtime;
            MoeRuntime moe = runtime.Engine.Moe
                ?? throw new ArgumentException($"{runtime.ModelPath}: {runtime.Model.Info.Architecture} has no mixture-of-experts layers");
            if (parse.GetValue(prompt) is { } text)
            {
                int[] ids = runtime.Model.Tokenizer.Encode(text);
                int count = parse.GetValue(tokens);
                if (count < 0)
                {
                    throw new ArgumentException($"--tokens must not be negative, got {count}");
                }

                _ = runtime.Engine.GenerateGreedy(ids, Math.Max(1, count), out _);
                moe.Rebalance();
            }

            Print(moe, Math.Max(1, parse.GetValue(top)));
            if (parse.GetValue(save) is { } savePath)
            {
                ExpertLoadFile.Save(moe.Counter.Snapshot(), savePath);
                Console.WriteLine($"saved to {Path.GetFullPath(savePath)}");
            }

            return 0;
        }));
        return command;
    }

    private static void Print(MoeRuntime moe, int top)
    {
        ExpertLoad load = moe.Counter.Snapshot();
        MoeModelShape shape = moe.Shape;
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"{shape.MoeLayerCount} MoE layers x {shape.ExpertCount} experts ({shape.ExpertsPerToken} per token), {shape.ExpertBytes / 1024.0:F1} KiB per expert"));
        Console.WriteLine(string.Create(c, $"scheduler {moe.SchedulerName}; resident {moe.ResidentBytes / 1048576.0:F2} of {shape.TotalExpertBytes / 1048576.0:F2} MiB (budget {(moe.BudgetBytes < 0 ? "none" : (moe.BudgetBytes / 1048576.0).ToString("F2", c) + " MiB")}); pageable {moe.Pageable}"));
        Console.WriteLine(string.Create(c, $"steps {moe.Counter.Steps}, window {load.WindowSteps} steps; cold uses {moe.ColdUses}; plans {moe.Plans}, promotions {moe.Promotions}, demotions {moe.Demotions}; balancedness {moe.Balancedness:F3} over {moe.Placement.DeviceCount} device(s)"));
        Console.WriteLine(string.Create(c, $"staged reads {moe.StagedReads}; next-layer prediction: {moe.PredictionHits} of {moe.PredictionChecks} chosen experts predicted, {moe.ColdPrefetches} cold experts read ahead ({moe.ColdPrefetchHits} then chosen)"));
        if (moe.DeviceLoad is { } devices)
        {
            string entries = string.Join(", ", Enumerable.Range(0, devices.DeviceCount).Select(d => string.Create(c, $"device {d} {devices.Entries(d)}")));
            Console.WriteLine(string.Create(c, $"expert devices: entries computed {entries}; measured balancedness {devices.Balancedness:F3} over the window, {devices.LifetimeBalancedness:F3} in total"));
        }

        Console.WriteLine("layer  routed(total)  resident  hottest experts (expert:count in total, * = resident)");
        for (int l = 0; l < shape.MoeLayerCount; l++)
        {
            ReadOnlySpan<long> totals = load.TotalOfLayer(l);
            long routed = 0;
            int resident = 0;
            var order = new int[shape.ExpertCount];
            for (int e = 0; e < shape.ExpertCount; e++)
            {
                routed += totals[e];
                resident += moe.Placement.IsResident(l, e) ? 1 : 0;
                order[e] = e;
            }

            long[] copy = totals.ToArray();
            Array.Sort(order, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
            string hottest = string.Join(' ', order.Take(top).Select(e => $"{e}:{copy[e]}{(moe.Placement.IsResident(l, e) ? "*" : "")}"));
            Console.WriteLine(string.Create(c, $"{l,5}  {routed,13}  {resident,8}  {hottest}"));
        }
    }
}
