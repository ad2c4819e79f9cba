using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>A served DeepSeek model's routing statistics and placement appear in /metrics, labelled by model and scheduler.</summary>
public sealed class MoeMetricsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Metrics_carry_expert_counts_and_placement_of_an_moe_model()
    {
        string model = MakeModel("ds.gguf", layers: 3, experts: 8);
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Model.Path = model;
            o.Model.Id = "ds";
            o.Moe.Scheduler = "LoadAware";
            o.Moe.ExpertMemoryMiB = 0.05;
        });

        await server.PostOkAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":6,\"temperature\":0}");
        string text = await server.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string[] lines = text.Split('\n');

        // Every token of the prompt and of the completion chose 2 experts in each of the 2 MoE layers.
        double routed = lines.Where(l => l.StartsWith("llmf_moe_expert_tokens_total{model=\"ds\",layer=\"0\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        Assert.True(routed >= 2 * 6 && routed % 2 == 0, $"layer 0 routed {routed} token choices:\n{text}");
        Assert.Equal(8, lines.Count(l => l.StartsWith("llmf_moe_expert_tokens_total{model=\"ds\",layer=\"1\"", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("llmf_moe_resident_bytes{model=\"ds\",scheduler=\"LoadAware\"}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == $"llmf_moe_budget_bytes{{model=\"ds\",scheduler=\"LoadAware\"}} {(long)(0.05 * 1024 * 1024)}");
        Assert.Contains(lines, l => l.StartsWith("llmf_moe_balancedness{model=\"ds\"", StringComparison.Ordinal));
        Assert.Contains("# TYPE llmf_moe_cold_uses_total counter", text, StringComparison.Ordinal);

        // Layer 1's experts are predicted from layer 0 at every step of up to 8 tokens: the 5 decode steps at least.
        string checks = Assert.Single(lines, l => l.StartsWith("llmf_moe_prediction_checks_total{model=\"ds\"", StringComparison.Ordinal));
        Assert.True(double.Parse(checks[(checks.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) >= 5 * 2, checks);
        Assert.Contains(lines, l => l.StartsWith("llmf_moe_prediction_hits_total{model=\"ds\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_carry_the_entries_of_each_expert_device_and_the_measured_balancedness_with_two_devices()
    {
        string model = MakeModel("ds2.gguf", layers: 3, experts: 8);
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Model.Path = model;
            o.Model.Id = "ds";
            o.Moe.Scheduler = "Balanced";
            o.Moe.Devices = 2;
            o.Backends.Threads = 2;
        });

        await server.PostOkAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":6,\"temperature\":0}");
        string text = await server.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string[] lines = text.Split('\n');
        static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);

        // Every routed choice of both MoE layers ran on exactly one of the two devices.
        double routed = lines.Where(l => l.StartsWith("llmf_moe_expert_tokens_total{model=\"ds\"", StringComparison.Ordinal)).Sum(Value);
        double[] devices = [.. Enumerable.Range(0, 2).Select(d => lines.Where(l => l.StartsWith($"llmf_moe_device_entries_total{{model=\"ds\",device=\"{d}\"}}", StringComparison.Ordinal)).Select(Value).Single())];
        Assert.True(routed > 0 && devices.Sum() == routed, $"routed {routed}, devices {string.Join(", ", devices)}:\n{text}");
        Assert.Contains("# TYPE llmf_moe_device_entries_total counter", text, StringComparison.Ordinal);
        double measured = Value(Assert.Single(lines, l => l.StartsWith("llmf_moe_measured_balancedness{model=\"ds\",scheduler=\"Balanced\"}", StringComparison.Ordinal)));
        Assert.InRange(measured, 0.5, 1);
    }

    [Fact]
    public async Task Metrics_have_no_device_series_with_one_device()
    {
        string model = MakeModel("ds1.gguf", layers: 2, experts: 4);
        await using TestServer server = await TestServer.StartAsync(o => o.Model.Path = model);
        string text = await server.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("llmf_moe_balancedness", text, StringComparison.Ordinal);
        Assert.DoesNotContain("llmf_moe_device_entries_total", text, StringComparison.Ordinal);
    }

    /// <summary>A deepseek2 test model (2 experts per token) made by the host's make-test-model verb.</summary>
    private string MakeModel(string file, int layers, int experts)
    {
        string model = _dir.Combine(file);
        (int made, _, string error) = Cli.CliHarness.Run("make-test-model", "--arch", "deepseek2", "--layers", $"{layers}", "--experts", $"{experts}", "--experts-per-token", "2", "--vocab", "320", "--out", model, "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(made == 0, error);
        return model;
    }
}
