using System.Collections.Concurrent;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Engine;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>
/// The hot-swap requirement: rebuilding a backend plugin into its folder while the host runs loads the new version and
/// switches at a step boundary; generations in flight complete; a new build that fails to load leaves the old one serving
/// and logs why. The backend under test ("swaptest") runs only the Add nodes (the residual adds), so its results are
/// exact and swapping must not change a single token.
/// </summary>
public sealed class BackendHotSwapTests : IDisposable
{
    private const string PluginName = "SwapTest.Backend";
    private const string BackendName = "swaptest";
    private const string AssemblyName = "SwapTest.Backend";
    private const string Folder = "SwapBackend";
    private const string V1 = "swaptest.v1";
    private const string V2 = "swaptest.v2";
    private const int Tokens = 100;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();

    public void Dispose()
    {
        ClearSlots();
        _dir.Dispose();
    }

    private static void ClearSlots()
    {
        foreach (string key in new[] { V1, V2 })
        {
            foreach (string suffix in new[] { "", ".firstPosition", ".lastPosition", ".disposed" })
            {
                AppDomain.CurrentDomain.SetData(key + suffix, null);
            }
        }

        AppDomain.CurrentDomain.SetData(TestPluginSources.DelayKey, null);
    }

    [Fact]
    public Task Swapping_the_backend_during_a_generation_on_the_llama_test_model_and_the_cpu_backend()
    {
        string hostPlugins = HostPluginCopies.Copy(_dir, "Cpu", "Llama");
        return RunScenarioAsync(hostPlugins, (manager, options) => options.Model.Path = WriteLlamaTestModel(manager), prompt: [1, 17, 42, 300, 5, 99]);
    }

    [Fact]
    public Task Swapping_the_backend_during_a_generation_on_a_stand_in_model_and_the_cpu_backend()
    {
        string plugins = HostPluginCopies.Copy(_dir, "Cpu", "Llama");
        PluginCompiler.WritePlugin(plugins, "TinyFamily", "StandIn.Tiny", PluginCompiler.Compile("StandIn.Tiny", StandInPluginSources.TinyFamily()));
        return RunScenarioAsync(plugins, UseTinyModel, prompt: [1, 17, 42, 30, 5, 9]);
    }

    [Fact]
    public Task Swapping_the_backend_during_a_generation_on_stand_in_plugins_only()
    {
        string standIns = _dir.CreateFolder("stand-in-plugins");
        PluginCompiler.WritePlugin(standIns, "ReferenceCpu", "StandIn.Cpu", PluginCompiler.Compile("StandIn.Cpu", StandInPluginSources.ReferenceCpu(), PluginCompiler.RealContracts, PluginCompiler.ConformanceReference));
        PluginCompiler.WritePlugin(standIns, "TinyFamily", "StandIn.Tiny", PluginCompiler.Compile("StandIn.Tiny", StandInPluginSources.TinyFamily()));
        return RunScenarioAsync(standIns, UseTinyModel, prompt: [1, 17, 42, 30, 5, 9]);
    }

    /// <summary>
    /// v1 serves a reference generation, then a slow streamed generation during which v2 is written over it; then v3
    /// (built against contract 2.0), v4 (its constructor throws) and v5 (its factory cannot create a backend) are written
    /// and must leave v2 serving.
    /// </summary>
    private async Task RunScenarioAsync(string otherPlugins, Action<PluginManager, HostOptions> chooseModel, int[] prompt)
    {
        ClearSlots(); // in case an earlier run in this process left values there

        // Every build is compiled up front, so the timing-sensitive part only writes bytes.
        byte[] v1 = Build(TestPluginSources.AddOnlyBackend(PluginName, BackendName, "v1", V1, sleeps: true, version: "1.0.0"));
        byte[] v2 = Build(TestPluginSources.AddOnlyBackend(PluginName, BackendName, "v2", V2, version: "2.0.0"));
        byte[] v3AgainstContract2 = PluginCompiler.Compile(AssemblyName, TestPluginSources.AgainstFakeContracts(PluginName), PluginCompiler.CompileFakeContracts(2));
        byte[] v4ConstructorThrows = Build(TestPluginSources.AddOnlyBackend(PluginName, BackendName, "v4", "swaptest.v4", version: "4.0.0", constructorBody: "throw new InvalidOperationException(\"v4 is broken\");"));
        byte[] v5CreateThrows = Build(TestPluginSources.AddOnlyBackend(PluginName, BackendName, "v5", "swaptest.v5", version: "5.0.0", createFailure: "v5 finds no device"));

        string swapPlugins = _dir.CreateFolder("swap-plugins");
        PluginCompiler.WritePlugin(swapPlugins, Folder, AssemblyName, v1);

        using var manager = new PluginManager([otherPlugins, swapPlugins], hotReload: true, disabled: null, _log);
        var reloaded = new ConcurrentQueue<PluginReloadedEventArgs>();
        var reloadFailures = new ConcurrentQueue<PluginLoadFailure>();
        manager.PluginReloaded += (_, e) => reloaded.Enqueue(e);
        manager.PluginReloadFailed += (_, f) => reloadFailures.Enqueue(f);
        manager.LoadAll();
        Assert.True(manager.Failures.Count == 0, "plugins failed to load: " + string.Join("; ", manager.Failures));
        Assert.NotNull(manager.FindBackendPlugin("cpu"));

        HostOptions options = new()
        {
            Backends = { Preferred = [BackendName], Threads = 1 },
            Engine = { KvCacheTokens = 1024, MaxSequences = 2 },
        };
        chooseModel(manager, options);
        using ModelRuntime runtime = ModelRuntime.Start(manager, options, _log);
        InferenceEngine engine = runtime.Engine;
        Assert.Equal([BackendName, "cpu"], engine.Backends.Select(b => b.Name));
        Assert.Equal("v1", engine.Backends[0].Device.Description);
        Assert.Contains(engine.Partitions, p => p.Backend.Name == BackendName);

        // Reference: the same generation with no swap (v1 without its delay), direct and streamed (continuous batching).
        AppDomain.CurrentDomain.SetData(TestPluginSources.DelayKey, 0);
        IReadOnlyList<int> reference = engine.GenerateGreedy(prompt, Tokens, out _);
        Assert.Equal(Tokens, reference.Count);
        Assert.Equal(reference, await GenerateStreamedAsync(engine, prompt));
        Assert.True(Calls(V1) > 0, "v1 ran no Add node");

        // Start a slow streamed generation on v1 (40 ms per Add partition), and rebuild the plugin as v2 once a few steps ran.
        AppDomain.CurrentDomain.SetData(TestPluginSources.DelayKey, 40);
        int v1CallsBefore = Calls(V1);
        Task<int[]> generation = Task.Run(() => GenerateStreamedAsync(engine, prompt));
        await Eventually.HoldsAsync(() => Calls(V1) >= v1CallsBefore + 8 || generation.IsCompleted, Patience, "v1 to run a few steps", Diagnostics);
        Assert.False(generation.IsCompleted, "the generation ended before the plugin was rebuilt");
        PluginCompiler.WritePlugin(swapPlugins, Folder, AssemblyName, v2);

        await Eventually.HoldsAsync(() => !reloaded.IsEmpty && runtime.BackendSwapCount == 1, Patience, "the v2 reload and the backend swap", Diagnostics);
        int[] swapped = await generation.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(reference, swapped);
        Assert.True(Calls(V1) > v1CallsBefore, "v1 ran no step of the swapped generation");
        Assert.True(Calls(V2) > 0, "v2 ran no step of the swapped generation");
        Assert.True(Position(V2, "firstPosition") > Position(V1, "lastPosition"), $"v1 and v2 ran in the same step: v1 last at position {Position(V1, "lastPosition")}, v2 first at {Position(V2, "firstPosition")}");
        Assert.Equal(true, AppDomain.CurrentDomain.GetData(V1 + ".disposed"));
        Assert.Equal("v2", engine.Backends[0].Device.Description);
        Assert.Equal([BackendName, "cpu"], engine.Backends.Select(b => b.Name));
        PluginReloadedEventArgs swap = Assert.Single(reloaded);
        Assert.Equal((1, 2), (swap.Previous.LoadCount, swap.Current.LoadCount));
        Assert.Equal(new Version(2, 0, 0), swap.Current.Manifest.Version);
        Assert.Equal(2, manager.FindBackendPlugin(BackendName)!.LoadCount);
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Information), m => m.Contains($"reloaded plugin {PluginName}: 1.0.0 -> 2.0.0 (load 2)", StringComparison.Ordinal));

        // v3 is built against contract 2.0: refused, v2 keeps serving.
        PluginCompiler.WritePlugin(swapPlugins, Folder, AssemblyName, v3AgainstContract2);
        await Eventually.HoldsAsync(() => reloadFailures.Count >= 1, Patience, "the v3 reload to fail", Diagnostics);
        PluginLoadFailure refused = reloadFailures.ToArray()[0];
        Assert.Contains($"new build of {PluginName} not loaded, keeping version 2.0.0 (load 2)", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("contract 2.0", refused.Reason, StringComparison.Ordinal);
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Error), m => m.Contains(refused.Reason, StringComparison.Ordinal));
        await AssertStillServedByV2Async(runtime, manager, prompt, reference);

        // v4's plugin constructor throws: also refused after loading, v2 keeps serving.
        PluginCompiler.WritePlugin(swapPlugins, Folder, AssemblyName, v4ConstructorThrows);
        await Eventually.HoldsAsync(() => reloadFailures.Count >= 2, Patience, "the v4 reload to fail", Diagnostics);
        Assert.Contains($"new build of {PluginName} not loaded, keeping version 2.0.0 (load 2)", reloadFailures.ToArray()[1].Reason, StringComparison.Ordinal);
        await AssertStillServedByV2Async(runtime, manager, prompt, reference);
        Assert.Single(reloaded);

        // v5 loads, but its factory cannot create a backend: the engine keeps v2's backend and the runtime logs why.
        PluginCompiler.WritePlugin(swapPlugins, Folder, AssemblyName, v5CreateThrows);
        await Eventually.HoldsAsync(() => reloaded.Count == 2, Patience, "the v5 reload", Diagnostics);

        // The runtime's reload handler may still be running when ours has counted the reload: wait for its log line.
        await Eventually.HoldsAsync(
            () => _log.MessagesAtOrAbove(LogLevel.Error).Any(m => m.Contains($"new build of {PluginName} could not create its backend; keeping the old one", StringComparison.Ordinal) && m.Contains("v5 finds no device", StringComparison.Ordinal)),
            Patience,
            "the runtime to log that v5 could not create its backend",
            Diagnostics);
        Assert.Equal(1, runtime.BackendSwapCount);
        Assert.Equal("v2", engine.Backends[0].Device.Description);
        Assert.Equal(reference, await GenerateStreamedAsync(engine, prompt));
    }

    private static async Task AssertStillServedByV2Async(ModelRuntime runtime, PluginManager manager, int[] prompt, IReadOnlyList<int> reference)
    {
        Assert.Equal(1, runtime.BackendSwapCount);
        Assert.Equal("v2", runtime.Engine.Backends[0].Device.Description);
        Assert.Equal(2, manager.FindBackendPlugin(BackendName)!.LoadCount);
        Assert.Equal(new Version(2, 0, 0), manager.FindBackendPlugin(BackendName)!.Manifest.Version);
        int v2Before = Calls(V2);
        Assert.Equal(reference, await Task.Run(() => runtime.Engine.GenerateGreedy(prompt, Tokens, out _)));
        Assert.Equal(reference, await GenerateStreamedAsync(runtime.Engine, prompt));
        Assert.True(Calls(V2) > v2Before, "v2 did not run the generations after the failed reload");
    }

    /// <summary>A greedy generation through the engine's continuous-batching loop; the token ids it streamed.</summary>
    private static async Task<int[]> GenerateStreamedAsync(InferenceEngine engine, int[] prompt)
    {
        var request = new GenerationRequest { PromptTokens = prompt, Sampling = SamplingOptions.Greedy, MaxTokens = Tokens, IgnoreEos = true };
        var tokens = new List<int>(Tokens);
        await foreach (GenerationChunk chunk in engine.GenerateAsync(request))
        {
            if (chunk.TokenId >= 0)
            {
                tokens.Add(chunk.TokenId);
            }
        }

        return [.. tokens];
    }

    private static byte[] Build(string source) => PluginCompiler.Compile(AssemblyName, source);

    private static int Calls(string key) => AppDomain.CurrentDomain.GetData(key) is int n ? n : 0;

    private static int Position(string key, string which) => AppDomain.CurrentDomain.GetData($"{key}.{which}") is int n ? n : -1;

    private void UseTinyModel(PluginManager manager, HostOptions options)
    {
        string folder = _dir.CreateFolder("tiny-model");
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        File.WriteAllText(Path.Combine(folder, StandInPluginSources.TinyMarker), "1234");
        options.Model.Path = folder;
        options.Model.Family = "tiny";
    }

    private string WriteLlamaTestModel(PluginManager manager)
    {
        ITestModelWriter writer = manager.ModelFamilies.OfType<ITestModelWriter>().FirstOrDefault(w => w.TestArchitectures.Contains("llama"))
            ?? throw new InvalidOperationException("no loaded model family writes llama test models");
        string path = _dir.Combine("tiny-llama.gguf");
        var spec = new TestModelSpec
        {
            Architecture = "llama",
            Dim = 64,
            Layers = 2,
            Heads = 4,
            KvHeads = 2,
            FeedForward = 128,
            VocabSize = 512,
            ContextLength = 512,
            DType = DType.F32,
            Seed = 11,
        };
        writer.Write(spec, CheckpointFormat.Gguf, path);
        return path;
    }

    private string Diagnostics() =>
        $"v1 calls {Calls(V1)}, v2 calls {Calls(V2)}; log:\n{string.Join("\n", _log.Entries.Select(e => $"{e.Level}: {e.Message}"))}";
}
