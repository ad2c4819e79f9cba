using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using Xunit.Abstractions;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// With quantised weights both engines also round activations, so neither is "the" answer. Measured against the
/// exact result for the same weights (the weights decoded to F32, run by llama.cpp in F32), our error must be of
/// the same size as llama.cpp's, i.e. we round activations no worse than ggml does.
/// </summary>
[Collection(LlamaCppCollection.Name)]
public sealed class QuantisationErrorTests(ParityModelStore store, ITestOutputHelper output)
{
    /// <summary>Our RMS error may exceed llama.cpp's by this factor (the two roundings are independent draws of the same size).</summary>
    private const double AllowedRatio = 1.5;

    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string name in ParityCases.Quantisable)
        {
            data.Add(name, DType.Q8_0);
            data.Add(name, DType.Q4_0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_activation_rounding_error_is_no_larger_than_llama_cpps(string caseName, DType dtype)
    {
        string path = store.Get(caseName, dtype, CheckpointFormat.Gguf);
        using var exact = new LlamaCppReference(store.GetDequantised(caseName, dtype), threads: 2, contextSize: 512);
        using var reference = new LlamaCppReference(path, threads: 2, contextSize: 512);
        using var ours = OurEngineSession.Open(path, threads: 2);

        double ourSquares = 0, referenceSquares = 0;
        foreach (int length in new[] { 7, 100 })
        {
            int[] prompt = ParityCases.Prompt(length, reference.VocabSize, seed: length);
            float[] truth = exact.LastLogits(prompt);
            double ourError = Rms(ours.LastLogits(prompt), truth);
            double referenceError = Rms(reference.LastLogits(prompt), truth);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{caseName} {dtype} prompt {length}: RMS error vs decoded-F32 weights: ours {ourError:G3}, llama.cpp {referenceError:G3}"));
            ourSquares += ourError * ourError;
            referenceSquares += referenceError * referenceError;
        }

        double ratio = Math.Sqrt(ourSquares / referenceSquares);
        Assert.True(ratio < AllowedRatio, string.Create(CultureInfo.InvariantCulture,
            $"{caseName} {dtype}: our RMS error is {ratio:F2}x llama.cpp's (allowed {AllowedRatio})"));
    }

    private static double Rms(float[] values, float[] truth)
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double d = values[i] - truth[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / values.Length);
    }
}
