using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>
/// make-test-model --arch deepseek2 through the host, then moe-stats on it: routing counts gathered from a prompt, the
/// LoadAware placement under a budget, saved and loaded statistics; and the errors for a dense model or a missing file.
/// </summary>
[Collection(ProcessStateCollection.Name)]
public sealed class MoeStatsCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Moe_stats_counts_a_prompt_places_experts_under_a_budget_and_saves_a_warm_start()
    {
        string model = _dir.Combine("ds.gguf");
        (int made, _, string makeError) = CliHarness.Run("make-test-model", "--arch", "deepseek2", "--layers", "3", "--experts", "8", "--experts-per-token", "2", "--vocab", "320", "--out", model, "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(made == 0, makeError);

        string stats = _dir.Combine("stats.msgpack");
        (int exit, string output, string error) = CliHarness.Run(
            "moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--model", model, "--prompt", "hello mixture of experts", "--tokens", "8", "--save", stats,
            "--set", "LlmFramework:Moe:Scheduler=LoadAware", "--set", "LlmFramework:Moe:ExpertMemoryMiB=0.05",
            "--set", "LlmFramework:Moe:Settings:PromotionMargin=1.5");
        Assert.True(exit == 0, error);
        Assert.Contains("2 MoE layers x 8 experts (2 per token)", output, StringComparison.Ordinal);
        Assert.Contains("scheduler LoadAware", output, StringComparison.Ordinal);
        Assert.Contains("budget 0.05 MiB", output, StringComparison.Ordinal);
        Assert.Contains("next-layer prediction: ", output, StringComparison.Ordinal);
        Assert.True(File.Exists(stats), "no statistics file was written");

        (exit, string reloaded, error) = CliHarness.Run("moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--model", model, "--load", stats);
        Assert.True(exit == 0, error);
        // The counts (layer, routed total, hottest experts with counts) come back; the placement column differs (no scheduler now).
        static string Table(string text) => string.Join('\n', text.Split('\n').SkipWhile(l => !l.StartsWith("layer", StringComparison.Ordinal)).Skip(1).Take(2)
            .Select(l => string.Join(' ', l.Replace("*", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i != 2))));
        Assert.Equal(Table(output), Table(reloaded));
    }

    [Fact]
    public void Moe_stats_on_a_dense_model_or_a_missing_statistics_file_is_a_clear_error()
    {
        (int exit, _, string error) = CliHarness.Run("moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains("has no mixture-of-experts layers", error, StringComparison.Ordinal);

        (exit, _, error) = CliHarness.Run("moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--load", _dir.Combine("none.msgpack"));
        Assert.Equal(1, exit);
        Assert.Contains("no such statistics file", error, StringComparison.Ordinal);

        (exit, _, error) = CliHarness.Run("moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--set", "LlmFramework:Moe:Devices=0");
        Assert.Equal(1, exit);
        Assert.Contains("LlmFramework:Moe:Devices", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Moe_stats_with_two_devices_shows_the_entries_of_each_and_more_devices_than_threads_is_refused()
    {
        string model = _dir.Combine("ds.gguf");
        (int made, _, string makeError) = CliHarness.Run("make-test-model", "--arch", "deepseek2", "--layers", "3", "--experts", "8", "--experts-per-token", "2", "--vocab", "320", "--out", model, "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(made == 0, makeError);
        (int exit, string output, string error) = CliHarness.Run(
            "moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--model", model, "--prompt", "hello mixture of experts", "--tokens", "8",
            "--set", "LlmFramework:Moe:Scheduler=Balanced", "--set", "LlmFramework:Moe:Devices=2", "--set", "LlmFramework:Backends:Threads=2");
        Assert.True(exit == 0, error);
        Assert.Contains("over 2 device(s)", output, StringComparison.Ordinal);
        Assert.Matches(@"expert devices: entries computed device 0 \d+, device 1 \d+; measured balancedness [01]\.\d{3}", output);

        (exit, _, error) = CliHarness.Run("moe-stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--model", model, "--set", "LlmFramework:Moe:Devices=3", "--set", "LlmFramework:Backends:Threads=2");
        Assert.Equal(1, exit);
        Assert.Contains("LlmFramework:Moe:Devices (3) must not exceed Backends:Threads (2)", error, StringComparison.Ordinal);
    }
}
