using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Models.DeepSeek.TestModels;
using Xunit.Abstractions;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// llama.cpp loads the GGUF form of a DeepSeek test model and computes the same logits as a naive Hugging Face-style
/// forward pass of its folder form: the GGUF conversion (no q/k permutation, the kv_b split, stacked experts, router
/// and correction bias, the deepseek2 metadata) means to llama.cpp what the folder means to transformers.
/// </summary>
[Collection(LlamaCppCollection.Name)]
public sealed class DeepSeekTestModelParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("", 3)]
    [InlineData("gating=softmax", 3)]
    [InlineData("expert-groups=4;expert-groups-used=2;experts-per-token=3", 3)]
    [InlineData("gating=softmax;expert-groups=4;expert-groups-used=2;norm-topk-prob=true", 3)]
    [InlineData("dense-layers=0;shared-experts=2;qk-nope-dim=24;v-head-dim=8;kv-lora-rank=48", 2)]
    [InlineData("dense-layers=3", 3)]
    [InlineData("q-lora-rank=0", 27)] // llama.cpp takes only a 26- or 27-layer deepseek2 for one without q low rank
    // (--shared-experts 0 is left out: llama.cpp requires the ffn_*_shexp tensors in every MoE layer)
    public void Llama_cpp_on_the_gguf_matches_the_hugging_face_folder(string extra, int layers)
    {
        Dictionary<string, string> settings = extra.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
        var spec = new TestModelSpec { Architecture = "deepseek2", Layers = layers, FeedForward = 96, VocabSize = 320, ContextLength = 512, Seed = 21, Extra = settings };
        string folder = Path.Combine(_dir, "hf"), gguf = Path.Combine(_dir, "m.gguf");
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.HuggingFaceFolder, folder);
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, gguf);
        int[] prompt = [1, 300, 45, 271, 288, 19, 262];

        using var llamaCpp = new LlamaCppReference(gguf, threads: 2, contextSize: 64);
        using var reference = new DeepSeekHuggingFaceReference(folder);
        float[] want = reference.LastLogits(prompt);
        float[] got = llamaCpp.LastLogits(prompt);

        double mean = want.Average(), std = Math.Sqrt(want.Average(v => (v - mean) * (v - mean)));
        double worst = want.Zip(got, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"logit std {std:G4}, max |llama.cpp - reference| {worst:G3}"));
        Assert.True(std > 0.5, $"the logits are nearly flat (std {std})");
        Assert.True(worst < 1e-3 * std, string.Create(CultureInfo.InvariantCulture, $"llama.cpp differs from the reference by up to {worst:G3} (logit std {std:G3})"));
    }
}
