using System.Text.Json;

namespace LlmFramework.Parity.Tests;

/// <summary>Pins the reference itself, independently of our writer and engine, on a checked-in tiny GGUF.</summary>
[Collection(LlamaCppCollection.Name)]
public sealed class LlamaCppReferenceTests
{
    private static readonly string s_modelPath = Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.gguf");

    [Fact]
    public void Last_logits_match_an_independent_float64_forward_pass()
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] want = expected.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        using var reference = new LlamaCppReference(s_modelPath, threads: 2, contextSize: 64);

        float[] got = reference.LastLogits(tokens);

        Assert.Equal(300, reference.VocabSize);
        Assert.Equal(want.Length, got.Length);
        double maxDiff = want.Zip(got, (w, g) => Math.Abs(w - g)).Max();
        Assert.True(maxDiff < 1e-4, $"max |llama.cpp - float64 reference| = {maxDiff:G3}");
    }

    [Fact]
    public void Default_attention_settings_stay_close_to_the_float64_forward_pass()
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] want = expected.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        using var reference = new LlamaCppReference(s_modelPath, threads: 2, contextSize: 64, exactAttention: false);

        float[] got = reference.LastLogits(tokens);

        // F16 K/V cache (relative rounding 2^-11) and possibly flash attention: close, not exact.
        double maxDiff = want.Zip(got, (w, g) => Math.Abs(w - g)).Max();
        Assert.True(maxDiff < 1e-2, $"max |llama.cpp (default attention) - float64 reference| = {maxDiff:G3}");
    }

    [Fact]
    public void Each_call_starts_from_an_empty_cache()
    {
        using var reference = new LlamaCppReference(s_modelPath, threads: 1, contextSize: 64);
        float[] first = reference.LastLogits([1, 5, 77]);
        reference.LastLogits([9, 9, 9, 9, 9, 9]);

        Assert.Equal(first, reference.LastLogits([1, 5, 77]));
    }

    [Fact]
    public void Greedy_steps_equal_the_argmax_of_a_full_re_evaluation()
    {
        using var reference = new LlamaCppReference(s_modelPath, threads: 2, contextSize: 64);
        int[] prompt = [1, 5, 77, 200];

        int[] greedy = reference.Greedy(prompt, 12, out float[] gaps);

        var sequence = prompt.ToList();
        for (int step = 0; step < greedy.Length; step++)
        {
            (int best, _) = LlamaCppReference.ArgMaxWithGap(reference.LastLogits(sequence.ToArray()));
            Assert.True(best == greedy[step], $"step {step}: incremental {greedy[step]}, full {best}, gap {gaps[step]}");
            sequence.Add(greedy[step]);
        }
    }

    [Fact]
    public void Greedy_of_zero_tokens_is_empty()
    {
        using var reference = new LlamaCppReference(s_modelPath, threads: 1, contextSize: 16);
        Assert.Empty(reference.Greedy([1], 0));
    }

    [Fact]
    public void Bench_reports_positive_rates()
    {
        using var reference = new LlamaCppReference(s_modelPath, threads: 1, contextSize: 64);
        (double prefill, double decode) = reference.Bench([1, 2, 3, 4, 5, 6, 7, 8], 8);
        Assert.True(prefill > 0 && decode > 0);
    }

    [Fact]
    public void Out_of_vocabulary_ids_are_refused_with_a_clear_message()
    {
        using var reference = new LlamaCppReference(s_modelPath, threads: 1, contextSize: 16);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => reference.LastLogits([1, 300]));
        Assert.Contains("300", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => new LlamaCppReference("/nonexistent/model.gguf", 1));
        Assert.Contains("/nonexistent/model.gguf", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new float[] { 1, 3, 3, 2 }, 1, 0f)]
    [InlineData(new float[] { 5 }, 0, float.PositiveInfinity)]
    [InlineData(new float[] { -1, -2, -0.5f }, 2, 0.5f)]
    public void ArgMax_prefers_the_lowest_id_on_ties(float[] logits, int expected, float gap)
    {
        (int index, float g) = LlamaCppReference.ArgMaxWithGap(logits);
        Assert.Equal(expected, index);
        Assert.Equal(gap, g);
    }
}
