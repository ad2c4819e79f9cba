using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama;
using Xunit.Abstractions;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// The repository's trained default model (models/default, an F16 Hugging Face folder, read only) exported with our
/// export-gguf path runs in llama.cpp like the folder runs in our engine: the same token ids for text, close logits
/// and the same greedy tokens. This checks the exporter against the converter it imitates, not against itself.
/// </summary>
[Collection(LlamaCppCollection.Name)]
public sealed class ExportedGgufParityTests(ITestOutputHelper output) : IDisposable
{
    private const int Steps = 24;
    private static readonly string DefaultModel = Path.Combine(FindRoot(), "models", "default");
    private readonly string _folder = Directory.CreateTempSubdirectory("llmfw-export-parity-").FullName;

    private static readonly string[] Texts =
    [
        "It was a bright cold day in April, and the clocks were striking thirteen.",
        " Two  spaces, a tab\tand a newline\nhere.",
        "Café, naïve — “quoted” 1234 🎉",
        "<s> special text </s>",
    ];

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // still open elsewhere; the temp folder is cleaned eventually
        }
    }

    [Theory]
    [InlineData(DType.F16, 5e-3)]
    [InlineData(DType.Q8_0, 8e-2)]
    public void Llama_cpp_runs_the_exported_default_model_like_our_engine_runs_the_folder(DType type, double tolerance)
    {
        string gguf = Path.Combine(_folder, $"default-{type}.gguf");
        new LlamaFamily().ExportGguf(ModelSource.Open(DefaultModel), type, gguf);
        using var reference = new LlamaCppReference(gguf, threads: 2, contextSize: 256);
        using var ours = OurEngineSession.Open(DefaultModel, threads: 2, contextLength: 256);
        Assert.Equal(ours.VocabSize, reference.VocabSize);

        foreach (string text in Texts)
        {
            Assert.Equal(ours.Engine.Model.Tokenizer.Encode(text), reference.Tokenize(text));
        }

        int[] prompt = ours.Engine.Model.Tokenizer.Encode(Texts[0]);
        LogitComparison comparison = LogitComparison.Of(reference.LastLogits(prompt), ours.LastLogits(prompt));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"default model exported as {type}, llama.cpp vs our engine on the folder: {comparison}"));
        Assert.True(comparison.Relative < tolerance, $"{type} (tolerance {tolerance} x std): {comparison}");

        int[] want = reference.Greedy(prompt, Steps, out float[] gaps);
        int[] got = ours.Greedy(prompt, Steps);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smallest llama.cpp top-2 gap over {Steps} steps: {gaps.Min():G3}"));
        int agree = Enumerable.Range(0, Steps).TakeWhile(i => want[i] == got[i]).Count();
        output.WriteLine($"greedy tokens agree for {agree} of {Steps} steps\nllama.cpp: {string.Join(' ', want)}\nours:      {string.Join(' ', got)}");

        // A parting is only excused at a near-tie: a lead below about twice the logit difference measured above.
        if (agree < Steps)
        {
            Assert.True(gaps[agree] < 2 * tolerance * comparison.ReferenceStd, string.Create(CultureInfo.InvariantCulture,
                $"{type}: the engines part at step {agree} where llama.cpp's lead is {gaps[agree]:G3}"));
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    }
}
