using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Contoso.LlmBackend.Tests.Support;

namespace Contoso.LlmBackend.Tests;

/// <summary>
/// The plugin as a user meets it: the built host, started as a process with samples/CustomBackend/contoso.json,
/// lists it, and runs a model with it first and the CPU backend as the fallback, giving the CPU-only logits.
/// </summary>
public sealed partial class HostLoadingTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("contoso-tests-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void The_host_lists_the_contoso_plugin_from_the_sample_config()
    {
        (int exit, string output, string error) = HostProcess.Run("plugins", "--format", "json", "--config", SamplePaths.ConfigFile);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement contoso = doc.RootElement.GetProperty("plugins").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "Contoso.LlmBackend");
        Assert.Equal("Backend", contoso.GetProperty("kind").GetString());
        Assert.Equal("1.0.0", contoso.GetProperty("version").GetString());
        Assert.Equal(doc.RootElement.GetProperty("host_contract").GetString(), contoso.GetProperty("contract").GetString());
        Assert.Equal(["backend:contoso"], contoso.GetProperty("provides").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(SamplePaths.PluginAssembly, contoso.GetProperty("path").GetString());
        Assert.Empty(doc.RootElement.GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public void Logits_with_contoso_first_match_the_cpu_only_run()
    {
        string model = Path.Combine(_temp, "tiny-f16.gguf");
        (int made, _, string makeError) = HostProcess.Run(
            "make-test-model", "--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "160",
            "--vocab", "300", "--dtype", "f16", "--seed", "7", "--out", model);
        Assert.True(made == 0, $"make-test-model exit {made}: {makeError}");
        string[] logits = ["logits", "--model", model, "--ids", "1,17,42,99,5,260,3", "--top", "300", "--greedy", "5", "--format", "json", "--threads", "2"];

        (int exit, string withContoso, string log) = HostProcess.Run([.. logits, "--config", SamplePaths.ConfigFile, "--verbose"]);
        Assert.True(exit == 0, $"exit {exit}: {log}");
        (int cpuExit, string cpuOnly, string cpuError) = HostProcess.Run(logits);
        Assert.True(cpuExit == 0, $"exit {cpuExit}: {cpuError}");

        // The engine's partition log: contoso ran the MatMuls, norms and element-wise nodes, cpu the rest.
        Match assignment = PartitionLog().Match(log);
        Assert.True(assignment.Success, $"no partition summary in the log: {log}");
        Assert.True(int.Parse(assignment.Groups["contoso"].Value, CultureInfo.InvariantCulture) >= 2 * 10, assignment.Value);
        Assert.True(int.Parse(assignment.Groups["cpu"].Value, CultureInfo.InvariantCulture) > 0, assignment.Value);

        (Dictionary<int, float> contosoLogits, int[] contosoGreedy) = Parse(withContoso);
        (Dictionary<int, float> cpuLogits, int[] cpuGreedy) = Parse(cpuOnly);
        Assert.Equal(300, contosoLogits.Count);
        Assert.Equal(cpuLogits.Keys.Order(), contosoLogits.Keys.Order());
        foreach ((int id, float expected) in cpuLogits)
        {
            Assert.True(Math.Abs(contosoLogits[id] - expected) <= 1e-3, $"token {id}: contoso {contosoLogits[id]}, cpu {expected}");
        }

        Assert.Equal(cpuGreedy, contosoGreedy);
    }

    private static (Dictionary<int, float> Logits, int[] Greedy) Parse(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        Dictionary<int, float> logits = doc.RootElement.GetProperty("top").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetInt32(), e => e.GetProperty("logit").GetSingle());
        int[] greedy = [.. doc.RootElement.GetProperty("greedy").EnumerateArray().Select(e => e.GetInt32())];
        return (logits, greedy);
    }

    [GeneratedRegex(@"partitions: (?=.*\bcontoso=(?<contoso>\d+))(?=.*\bcpu=(?<cpu>\d+))[^\r\n]*")]
    private static partial Regex PartitionLog();
}
