using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using Xunit.Abstractions;

namespace LlmFramework.Parity.Tests;

/// <summary>Our engine's last-position logits against llama.cpp's on the same GGUF, for every case and weight type.</summary>
[Collection(LlamaCppCollection.Name)]
public sealed class LogitParityTests(ParityModelStore store, ITestOutputHelper output)
{
    /// <summary>1 token, a short prompt, and 100 tokens (seven 16-token KV blocks, positions up to 99).</summary>
    private static readonly int[] s_promptLengths = [1, 7, 100];

    [Theory]
    [MemberData(nameof(ParityCases.CasesAndDTypes), MemberType = typeof(ParityCases))]
    public void Last_logits_match_llama_cpp(string caseName, DType dtype)
    {
        string path = store.Get(caseName, dtype, CheckpointFormat.Gguf);
        using var reference = new LlamaCppReference(path, threads: 2, contextSize: 512);
        using var ours = OurEngineSession.Open(path, threads: 2);
        Assert.Equal(reference.VocabSize, ours.VocabSize);

        double tolerance = ParityCases.Tolerance(dtype);
        var failures = new List<string>();
        foreach (int length in s_promptLengths)
        {
            int[] prompt = ParityCases.Prompt(length, reference.VocabSize, seed: length);
            var comparison = LogitComparison.Of(reference.LastLogits(prompt), ours.LastLogits(prompt));
            string line = string.Create(CultureInfo.InvariantCulture, $"{caseName} {dtype} prompt {length}: {comparison}");
            output.WriteLine(line);
            if (!(comparison.Relative < tolerance))
            {
                failures.Add(line);
            }
        }

        Assert.True(failures.Count == 0, $"tolerance {tolerance} x std exceeded:\n{string.Join('\n', failures)}");
    }

    [Fact]
    public void Prefill_cut_into_chunks_matches_llama_cpp()
    {
        string path = store.Get("gqa-tied", DType.F32, CheckpointFormat.Gguf);
        using var reference = new LlamaCppReference(path, threads: 2, contextSize: 512);
        using var ours = OurEngineSession.Open(path, threads: 2, maxBatchTokens: 48);
        int[] prompt = ParityCases.Prompt(150, reference.VocabSize, seed: 150);

        var comparison = LogitComparison.Of(reference.LastLogits(prompt), ours.LastLogits(prompt));

        output.WriteLine($"150 tokens in chunks of 48: {comparison}");
        Assert.True(comparison.Relative < ParityCases.Tolerance(DType.F32), comparison.ToString());
    }
}
