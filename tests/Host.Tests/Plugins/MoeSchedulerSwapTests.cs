using LlmFramework.Abstractions.Models;
using LlmFramework.Engine;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>
/// A DeepSeek model served by a ModelRuntime (what the server runs per model) with an MoE scheduler from a plugin: a new
/// build of that plugin replaces the engine's scheduler while a generation streams, and the generation finishes.
/// </summary>
public sealed class MoeSchedulerSwapTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_rebuilt_scheduler_plugin_takes_over_planning_while_a_generation_streams()
    {
        string hostPlugins = HostPluginCopies.Copy(_dir, "Cpu", "DeepSeek");
        string schedulers = _dir.CreateFolder("schedulers");
        PluginCompiler.WritePlugin(schedulers, "Sched", "SchedSwap", PluginCompiler.Compile("SchedSwap", TestPluginSources.Schedulers("Test.Swap", "first", "1.0.0", "Hot")));
        using var manager = new PluginManager([hostPlugins, schedulers], hotReload: true, disabled: null, _log);
        manager.LoadAll();
        Assert.True(manager.Failures.Count == 0, "plugins failed to load: " + string.Join("; ", manager.Failures));

        string model = _dir.Combine("ds.gguf");
        ITestModelWriter writer = manager.ModelFamilies.OfType<ITestModelWriter>().Single(w => w.TestArchitectures.Contains("deepseek2"));
        writer.Write(new TestModelSpec { Architecture = "deepseek2", Layers = 3, VocabSize = 320, ContextLength = 1024, Seed = 3 }, CheckpointFormat.Gguf, model);
        var options = new HostOptions
        {
            Model = { Path = model },
            Backends = { Threads = 1 },
            Moe = { Scheduler = "hot", RebalanceSteps = 2 },
        };
        using ModelRuntime runtime = ModelRuntime.Start(manager, options, _log);
        InferenceEngine engine = runtime.Engine;
        Assert.Equal("Hot", engine.Moe!.SchedulerName);
        long plansBefore = engine.Moe.Plans;

        // Generations run back to back until the swap has happened and one more has finished; each must be complete.
        var request = new GenerationRequest { PromptTokens = [5, 6, 7], Sampling = SamplingOptions.Greedy, MaxTokens = 200, IgnoreEos = true };
        using var stop = new CancellationTokenSource();
        int completed = 0, inFlight = 0;
        Task generations = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int tokens = 0;
                Volatile.Write(ref inFlight, 1);
                await foreach (GenerationChunk chunk in engine.GenerateAsync(request))
                {
                    tokens += chunk.TokenId >= 0 ? 1 : 0;
                }

                Volatile.Write(ref inFlight, 0);
                Assert.Equal(request.MaxTokens, tokens);
                Interlocked.Increment(ref completed);
            }
        });
        int runningAtReload = -1;
        manager.PluginReloaded += (_, _) => Volatile.Write(ref runningAtReload, Volatile.Read(ref inFlight));
        await Eventually.HoldsAsync(() => Volatile.Read(ref completed) >= 1, Patience, "a first generation");

        PluginCompiler.WritePlugin(schedulers, "Sched", "SchedSwap", PluginCompiler.Compile("SchedSwap", TestPluginSources.Schedulers("Test.Swap", "second", "2.0.0", "Hot")));
        await Eventually.HoldsAsync(() => runtime.SchedulerSwapCount == 1, Patience, "the runtime to swap schedulers", () => string.Join("\n", _log.Entries.Select(e => e.Message)));
        int afterSwap = Volatile.Read(ref completed);
        await Eventually.HoldsAsync(() => Volatile.Read(ref completed) >= afterSwap + 2, Patience, "generations after the swap");
        await stop.CancelAsync();
        await generations;

        Assert.True(Volatile.Read(ref runningAtReload) == 1, "the plugin was reloaded between two generations; the swap should land mid-generation");
        Assert.Equal(2, manager.FindMoeSchedulerPlugin("Hot")!.LoadCount);
        Assert.True(engine.Moe.Plans > plansBefore, "no placement was applied after the start");
    }
}
