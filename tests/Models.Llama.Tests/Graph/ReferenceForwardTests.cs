using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Graph;

/// <summary>Runs the step graph with the conformance suite's scalar reference ops.</summary>
public sealed class ReferenceForwardTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Graph_matches_an_independent_float64_forward_pass_of_a_checked_in_gguf()
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] logits = expected.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        using ModelParts parts = ModelParts.OpenGguf(Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.gguf"));
        ReferenceForward forward = parts.Forward();
        forward.Step(tokens[..4]);                 // prefill chunk
        forward.Step(tokens[4..6]);                // a second chunk attending to the cache
        float[] actual = forward.Step(tokens[6]);  // one decode token

        Assert.Equal(logits.Length, actual.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(logits[i] - actual[i]) < 1e-4, $"logit {i}: expected {logits[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(false, 4)]
    public void Hf_and_gguf_forms_of_one_model_give_the_same_logits(bool tied, int kvHeads)
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(DType.F32, tied, kvHeads);
        using ModelParts gguf = ModelParts.OpenGguf(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "m.gguf"));
        using ModelParts hf = ModelParts.OpenFolder(TestModelFiles.Write(_folder, spec, CheckpointFormat.HuggingFaceFolder, "hf"));
        ReferenceForward a = gguf.Forward(), b = hf.Forward();
        int[][] steps = [[1, 17, 200, 33], [5], [299]];
        foreach (int[] step in steps)
        {
            float[] x = a.Step(step), y = b.Step(step);
            Assert.Equal(spec.VocabSize, x.Length);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.True(Math.Abs(x[i] - y[i]) < 1e-4, $"logit {i}: gguf {x[i]} vs hf {y[i]}");
            }

            Assert.True(ReferenceForward.StandardDeviation(x) > 0.5, $"logits are flat: std {ReferenceForward.StandardDeviation(x)}");
        }
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Quantised_gguf_models_stay_close_to_the_f32_one(DType type)
    {
        using ModelParts f32 = ModelParts.OpenGguf(TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "f32.gguf"));
        using ModelParts quantised = ModelParts.OpenGguf(TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type), CheckpointFormat.Gguf, "q.gguf"));
        float[] x = f32.Forward().Step(1, 2, 3), y = quantised.Forward().Step(1, 2, 3);
        double correlation = Correlation(x, y);
        Assert.True(correlation > (type == DType.Q4_0 ? 0.9 : 0.99), $"{type}: correlation {correlation}");
    }

    private static double Correlation(float[] x, float[] y)
    {
        double mx = x.Average(v => (double)v), my = y.Average(v => (double)v);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }
}
