using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>make-test-model's architecture flags: given values reach the family's writer as Extra settings, by name.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class MakeTestModelCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Deepseek_flags_that_are_given_reach_the_writer_so_llama_refuses_them_by_name()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--experts", "4", "--gating", "softmax", "--q-lora-rank", "0", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains("llama takes no architecture-specific settings, got q-lora-rank, experts, gating", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flag_and_the_same_extra_setting_together_are_refused()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--experts", "4", "--extra", "experts=8");
        Assert.Equal(1, exit);
        Assert.Contains("--experts and --extra experts=... are both given", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_gating_is_a_usage_error()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--gating", "relu");
        Assert.NotEqual(0, exit);
        Assert.Contains("relu", error, StringComparison.Ordinal);
    }
}
