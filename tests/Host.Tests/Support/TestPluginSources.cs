namespace LlmFramework.Host.Tests.Support;

/// <summary>C# sources of the plugins the tests compile.</summary>
public static class TestPluginSources
{
    /// <summary>The AppDomain data key the swap-test backend reads its per-Execute delay (int milliseconds) from.</summary>
    public const string DelayKey = "swaptest.delayMs";

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using LlmFramework.Abstractions;
        using LlmFramework.Abstractions.Backends;
        using LlmFramework.Abstractions.Execution;
        using LlmFramework.Abstractions.Graph;
        using LlmFramework.Abstractions.Plugins;

        """;

    /// <summary>
    /// A backend plugin whose backend runs only Add nodes (out = a + b), counts its Execute calls in the AppDomain data
    /// slot <paramref name="counterKey"/> (and records in "&lt;counterKey&gt;.firstPosition" / ".lastPosition" the position of
    /// the batch's last token at its first and latest call, and in ".disposed" that it was disposed), sleeps after each call (the int in <see cref="DelayKey"/>, else
    /// <paramref name="defaultDelayMs"/>; none when <paramref name="sleeps"/> is false) and reports
    /// <paramref name="label"/> as its device description. With <paramref name="createFailure"/>, its factory's Create throws
    /// InvalidOperationException with that message.
    /// </summary>
    public static string AddOnlyBackend(
        string pluginName,
        string backendName,
        string label,
        string counterKey,
        bool sleeps = false,
        int defaultDelayMs = 20,
        string version = "1.0.0",
        string contractExpression = "new Version(ContractVersion.Major, ContractVersion.Minor)",
        string constructorBody = "",
        string? createFailure = null)
    {
        string create = createFailure is null ? "new AddOnlyBackend()" : $"throw new InvalidOperationException(\"{createFailure}\")";
        string delay = sleeps
            ? $"int delay = AppDomain.CurrentDomain.GetData(\"{DelayKey}\") is int d ? d : {defaultDelayMs}; if (delay > 0) Thread.Sleep(delay);"
            : "";
        return Usings + $$"""
            namespace SwapTest;

            public sealed class AddOnlyPlugin : ILlmPlugin
            {
                public AddOnlyPlugin()
                {
                    {{constructorBody}}
                }

                public PluginManifest Manifest { get; } = new("{{pluginName}}", PluginKind.Backend, Version.Parse("{{version}}"), {{contractExpression}}, "{{label}} test backend: Add only");

                public void Register(IPluginRegistry registry) => registry.AddBackend(new AddOnlyFactory());
            }

            internal sealed class AddOnlyFactory : IBackendFactory
            {
                internal static readonly DeviceInfo Device = new("{{backendName}}:0", DeviceKind.Other, 0, "{{label}}");

                public string Name => "{{backendName}}";

                public IReadOnlyList<DeviceInfo> EnumerateDevices() => new[] { Device };

                public IBackend Create(BackendOptions options) => {{create}};
            }

            internal sealed class AddOnlyBackend : IBackend
            {
                public string Name => "{{backendName}}";

                public DeviceInfo Device => AddOnlyFactory.Device;

                public OpSupport Supports(GraphNode node)
                {
                    if (node.Op != OpKind.Add)
                    {
                        return OpSupport.No("{{label}} runs only Add");
                    }

                    foreach (GraphTensor input in node.Inputs)
                    {
                        if (input.Role != TensorRole.Activation || input.Columns != node.Output.Columns || input.RowSpace != node.Output.RowSpace)
                        {
                            return OpSupport.No("{{label}} adds only activations of the output's shape");
                        }
                    }

                    return OpSupport.Yes;
                }

                public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
                {
                    foreach (GraphNode node in nodes)
                    {
                        Span<float> a = context.GetF32(node.Inputs[0]);
                        Span<float> b = context.GetF32(node.Inputs[1]);
                        Span<float> output = context.GetF32(node.Output);
                        for (int i = 0; i < output.Length; i++)
                        {
                            output[i] = a[i] + b[i];
                        }
                    }

                    // Which step this was: the position of the batch's last token (decode steps advance it by one).
                    int position = context.Batch.TokenCount > 0 ? context.Batch.Positions[context.Batch.TokenCount - 1] : -1;
                    if (AppDomain.CurrentDomain.GetData("{{counterKey}}.firstPosition") is null)
                    {
                        AppDomain.CurrentDomain.SetData("{{counterKey}}.firstPosition", position);
                    }

                    AppDomain.CurrentDomain.SetData("{{counterKey}}.lastPosition", position);
                    int calls = AppDomain.CurrentDomain.GetData("{{counterKey}}") is int n ? n : 0;
                    AppDomain.CurrentDomain.SetData("{{counterKey}}", calls + 1);
                    {{delay}}
                }

                public void Dispose()
                {
                    AppDomain.CurrentDomain.SetData("{{counterKey}}.disposed", true);
                }
            }
            """;
    }

    /// <summary>
    /// A backend plugin registering one factory per name in <paramref name="backendNames"/>, whose backends support every
    /// node but never run (tests of backend selection only) and describe the options they were created with as
    /// "threads=T device=D settings=k=v,...". A factory named in <paramref name="unavailable"/> throws NotSupportedException.
    /// </summary>
    public static string OptionsEchoBackends(string pluginName, string[] backendNames, params string[] unavailable)
    {
        string names = string.Join(", ", backendNames.Select(Quote));
        string absent = string.Join(", ", unavailable.Select(Quote));
        return Usings + $$"""
        using System.Linq;

        namespace Echo;

        public sealed class EchoPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("{{pluginName}}", PluginKind.Backend, new Version(1, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "echo");

            public void Register(IPluginRegistry registry)
            {
                foreach (string name in new string[] { {{names}} })
                {
                    registry.AddBackend(new EchoFactory(name, new string[] { {{absent}} }.Contains(name)));
                }
            }
        }

        internal sealed class EchoFactory(string name, bool unavailable) : IBackendFactory
        {
            public string Name => name;

            public IReadOnlyList<DeviceInfo> EnumerateDevices() => unavailable ? Array.Empty<DeviceInfo>() : new[] { new DeviceInfo(name, DeviceKind.Other, 0, name) };

            public IBackend Create(BackendOptions options)
            {
                if (unavailable)
                {
                    throw new NotSupportedException($"{name}: no such device on this machine");
                }

                string settings = string.Join(",", options.Settings.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value));
                return new EchoBackend(name, new DeviceInfo(name, DeviceKind.Other, 0, $"threads={options.Threads} device={options.Device} settings={settings}"));
            }
        }

        internal sealed class EchoBackend(string name, DeviceInfo device) : IBackend
        {
            public string Name => name;

            public DeviceInfo Device => device;

            public OpSupport Supports(GraphNode node) => OpSupport.Yes;

            public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context) => throw new NotSupportedException("echo backends do not run nodes");

            public void Dispose()
            {
            }
        }
        """;
    }

    /// <summary>
    /// An MoE scheduler plugin registering one factory per name in <paramref name="schedulerNames"/>, each describing
    /// itself as "<paramref name="label"/> NAME"; its schedulers keep every expert resident on device 0.
    /// </summary>
    public static string Schedulers(string pluginName, string label, string version, params string[] schedulerNames) => Usings + $$"""
        using LlmFramework.Abstractions.Moe;

        namespace SchedulerTest;

        public sealed class SchedulerPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("{{pluginName}}", PluginKind.MoeScheduler, Version.Parse("{{version}}"), new Version(ContractVersion.Major, ContractVersion.Minor), "{{label}} test schedulers");

            public void Register(IPluginRegistry registry)
            {
                foreach (string name in new string[] { {{string.Join(", ", schedulerNames.Select(Quote))}} })
                {
                    registry.AddMoeScheduler(new AllResidentFactory(name));
                }
            }
        }

        internal sealed class AllResidentFactory(string name) : IMoeSchedulerFactory
        {
            public string Name => name;

            public string Description => "{{label}} " + name;

            public IMoeScheduler Create(IReadOnlyDictionary<string, string> settings) => new AllResidentScheduler(name);
        }

        internal sealed class AllResidentScheduler(string name) : IMoeScheduler
        {
            public string Name => name;

            public ExpertPlacement Plan(ExpertPlacementRequest request) => ExpertPlacement.AllResident(request.Shape);
        }
        """;

    private static string Quote(string text) => "\"" + text + "\"";

    /// <summary>A plugin that registers nothing, with the given manifest expression and Register body.</summary>
    public static string Minimal(string pluginName, string? manifestExpression = null, string registerBody = "") => Usings + $$"""
        namespace Minimal;

        public sealed class MinimalPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = {{manifestExpression ?? $"new(\"{pluginName}\", PluginKind.ModelFamily, new Version(0, 1), new Version(ContractVersion.Major, ContractVersion.Minor), \"minimal\")"}};

            public void Register(IPluginRegistry registry)
            {
                {{registerBody}}
            }
        }
        """;

    /// <summary>A library that does not reference the contracts at all.</summary>
    public static string PlainLibrary() => """
        namespace Plain;

        public static class Nothing
        {
            public static int Answer => 42;
        }
        """;

    /// <summary>A plugin with two public classes implementing ILlmPlugin.</summary>
    public static string TwoEntryPoints() => Usings + """
        namespace TwoEntries;

        public sealed class FirstPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("first", PluginKind.Backend, new Version(1, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "first");

            public void Register(IPluginRegistry registry)
            {
            }
        }

        public sealed class SecondPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("second", PluginKind.Backend, new Version(1, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "second");

            public void Register(IPluginRegistry registry)
            {
            }
        }
        """;

    /// <summary>An assembly that references the contracts but has no ILlmPlugin class.</summary>
    public static string NoEntryPoint() => Usings + """
        namespace NoEntry;

        public sealed class NotAPlugin
        {
            public PluginKind Kind => PluginKind.Backend;
        }
        """;

    /// <summary>A plugin compiled against the fake contracts (<see cref="PluginCompiler.CompileFakeContracts"/>).</summary>
    public static string AgainstFakeContracts(string pluginName) => $$"""
        using System;
        using LlmFramework.Abstractions;
        using LlmFramework.Abstractions.Plugins;

        namespace Future;

        public sealed class FuturePlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("{{pluginName}}", PluginKind.Backend, new Version(9, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "built against contracts from the future");

            public void Register(IPluginRegistry registry)
            {
            }
        }
        """;
}
