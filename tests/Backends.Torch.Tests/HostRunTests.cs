using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Torch.Tests.Support;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// The built host, run as a process, loads the torch plugin from its plugin folder (McMaster load context) and runs a
/// model on it: `generate` loads plugins with hot reload (assemblies from memory, the case where native libraries are
/// hardest to find), `eval-ppl` and `logits` without. Registering the plugin must not start libtorch.
/// </summary>
public sealed partial class HostRunTests
{
    private static readonly string[] Model = ["--model", LlamaModels.PathOf(DType.F16)];

    [Fact]
    public void The_plugins_verb_lists_the_torch_backend_without_starting_libtorch()
    {
        // glibc's loader reports every library it maps: libtorch must not be among them.
        var environment = new Dictionary<string, string> { ["LD_DEBUG"] = "files" };
        (int exit, string output, string error) = HostProcess.Run(OperatingSystem.IsLinux() ? environment : null, "plugins", "--format", "json");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement torch = doc.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "LlmFramework.Backends.Torch");
        Assert.Equal(["backend:torch"], torch.GetProperty("provides").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(doc.RootElement.GetProperty("failures").EnumerateArray());
        Assert.DoesNotContain("libtorch_cpu", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_with_hot_reload_runs_every_node_on_torch_and_writes_what_the_cpu_backend_writes()
    {
        string[] generate = ["generate", .. Model, "--prompt", "Once upon a time", "--temperature", "0", "--max-tokens", "16"];
        (int exit, string output, string error) = HostProcess.Run([.. generate, "--set", "LlmFramework:Backends:Preferred:0=torch", "--verbose"]);
        (int cpuExit, string cpuOutput, string cpuError) = HostProcess.Run(generate);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.True(cpuExit == 0, $"exit {cpuExit}: {cpuError}");
        Assert.Contains("backend torch on cpu: libtorch", error, StringComparison.Ordinal);
        Assert.Matches(PartitionSummary(), error);
        Assert.Equal(cpuOutput, output);
    }

    [Fact]
    public void Eval_ppl_on_torch_gives_the_cpu_backends_perplexity()
    {
        string text = Path.Combine(Path.GetDirectoryName(LlamaModels.PathOf(DType.F16))!, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 40)));
        string[] evaluate = ["eval-ppl", .. Model, "--file", text, "--window", "128"];

        (int exit, string output, string error) = HostProcess.Run([.. evaluate, "--backend", "torch", "--verbose"]);
        (int cpuExit, string cpuOutput, string cpuError) = HostProcess.Run([.. evaluate, "--backend", "cpu"]);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.True(cpuExit == 0, $"exit {cpuExit}: {cpuError}");
        Assert.Matches(PartitionSummary(), error);
        double torch = Perplexity(output), cpu = Perplexity(cpuOutput);
        Assert.True(Math.Abs(torch - cpu) <= 1e-4 * cpu, $"perplexity {torch} on torch, {cpu} on cpu");
    }

    [Fact]
    public void An_absent_cuda_device_stops_the_run_with_an_error_naming_the_key()
    {
        (int exit, string output, string error) = HostProcess.Run(["logits", .. Model, "--ids", "1,2,3", "--set", "LlmFramework:Backends:Preferred:0=torch", "--set", "LlmFramework:Backends:Devices:torch=cuda:7"]);

        Assert.NotEqual(0, exit);
        Assert.Equal("", output);
        Assert.Contains("error: LlmFramework:Backends:Devices:torch = \"cuda:7\", but CUDA is not available", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fallback_setting_runs_on_the_torch_cpu_device_with_a_warning()
    {
        (int exit, string output, string error) = HostProcess.Run(
            ["logits", .. Model, "--ids", "1,2,3", "--top", "3", "--set", "LlmFramework:Backends:Preferred:0=torch", "--set", "LlmFramework:Backends:Devices:torch=cuda:7", "--set", "LlmFramework:Backends:Settings:torch:Fallback=cpu", "--verbose"]);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains("warn: torch backend: LlmFramework:Backends:Devices:torch = \"cuda:7\"", error, StringComparison.Ordinal);
        Assert.Contains("backend torch on cpu: libtorch", error, StringComparison.Ordinal);
        Assert.Matches(PartitionSummary(), error);
        Assert.Contains("\"top\":[", output, StringComparison.Ordinal);
    }

    private static double Perplexity(string output) =>
        double.Parse(Regex.Match(output, @"perplexity: ([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>The engine's partition summary when torch runs all nodes: "graph of N nodes in 1 partitions: torch=N".</summary>
    [GeneratedRegex(@"graph of (\d+) nodes in 1 partitions: torch=\1\b")]
    private static partial Regex PartitionSummary();
}
