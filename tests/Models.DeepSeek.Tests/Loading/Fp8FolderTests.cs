using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.DeepSeek.TestModels;
using LlmFramework.Models.DeepSeek.Tests.TestModels;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.Tests.Loading;

/// <summary>
/// A Hugging Face folder in DeepSeek's FP8 form (linear weights as F8_E4M3 with one F32 scale per 128x128 block in
/// *.weight_scale_inv, as the official V3/R1 checkpoints) loads, and computes what the same folder with those weights
/// decoded to F32 computes; a weight without its scales, or with scales of the wrong shape, is refused by name.
/// </summary>
public sealed class Fp8FolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-fp8-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_fp8_folder_gives_the_logits_of_its_decoded_weights()
    {
        string original = Path.Combine(_dir, "f32");
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec("experts=8;expert-ffn=160", layers: 3) with { Dim = 192, VocabSize = 320 }, CheckpointFormat.HuggingFaceFolder, original);
        string fp8 = Convert(original, "fp8", decode: false);
        string decoded = Convert(original, "decoded", decode: true);

        float[] fromFp8 = LastLogits(fp8), fromDecoded = LastLogits(decoded), fromOriginal = LastLogits(original);
        double worst = fromFp8.Zip(fromDecoded, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-4, $"FP8 and decoded folders differ by up to {worst}");
        Assert.True(fromFp8.Zip(fromOriginal, (a, b) => Math.Abs(a - b)).Max() > 1e-4, "the FP8 rounding changed nothing: the conversion did not happen");
        using IModel model = new DeepSeekFamily().Load(ModelSource.Open(fp8), new ModelLoadOptions());
        Assert.Contains("FP8 e4m3", model.Info.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void An_fp8_weight_without_matching_scales_is_refused_by_name()
    {
        string original = Path.Combine(_dir, "f32");
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec(), CheckpointFormat.HuggingFaceFolder, original);
        string noScales = Convert(original, "no-scales", decode: false, dropScaleOf: "model.layers.0.self_attn.o_proj.weight");
        var e = Assert.Throws<ModelLoadException>(() => new DeepSeekFamily().Load(ModelSource.Open(noScales), new ModelLoadOptions()));
        Assert.Contains("'model.layers.0.self_attn.o_proj.weight' has no block scales 'model.layers.0.self_attn.o_proj.weight_scale_inv'", e.Message, StringComparison.Ordinal);

        string badScales = Convert(original, "bad-scales", decode: false, badScaleOf: "model.layers.0.self_attn.kv_a_proj_with_mqa.weight");
        e = Assert.Throws<ModelLoadException>(() => new DeepSeekFamily().Load(ModelSource.Open(badScales), new ModelLoadOptions()));
        Assert.Contains("kv_a_proj_with_mqa.weight_scale_inv", e.Message, StringComparison.Ordinal);
        Assert.Contains("block scales", e.Message, StringComparison.Ordinal);
    }

    private static float[] LastLogits(string folder)
    {
        using IModel model = new DeepSeekFamily().Load(ModelSource.Open(folder), new ModelLoadOptions { ContextLength = 64 });
        using IBackend backend = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { Threads = 2, MaxSequences = 1, ContextLength = 64 });
        return engine.GetLogits([3, 100, 200, 7]);
    }

    /// <summary>
    /// A copy of <paramref name="source"/> whose linear weights (not the embedding, LM head, router or norms) are FP8
    /// with block scales, or (<paramref name="decode"/>) F32 holding exactly what that FP8 decodes to.
    /// </summary>
    private string Convert(string source, string name, bool decode, string? dropScaleOf = null, string? badScaleOf = null)
    {
        string target = Path.Combine(_dir, name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(source);
        var writer = new SafetensorsWriter();
        foreach (string tensor in checkpoint.TensorNames.Order(StringComparer.Ordinal))
        {
            WeightTensor w = checkpoint.GetTensor(tensor);
            float[] values = MemoryMarshal.Cast<byte, float>(w.Bytes).ToArray();
            bool linear = w.Shape.Count == 2 && !tensor.Contains("embed_tokens", StringComparison.Ordinal) && tensor != "lm_head.weight" && !tensor.EndsWith("mlp.gate.weight", StringComparison.Ordinal);
            if (!linear)
            {
                writer.Add(tensor, DType.F32, [.. w.Shape], w.Bytes.ToArray());
                continue;
            }

            int rows = (int)w.Shape[0], columns = (int)w.Shape[1];
            (byte[] codes, float[] scales, int blockRows, int blockColumns) = Encode(values, rows, columns);
            if (decode)
            {
                var back = new float[values.Length];
                Fp8E4M3.DequantizeBlockScaled(codes, rows, columns, scales, back);
                writer.Add(tensor, DType.F32, [rows, columns], MemoryMarshal.AsBytes(back.AsSpan()).ToArray());
                continue;
            }

            writer.Add(tensor, "F8_E4M3", [rows, columns], codes);
            if (tensor != dropScaleOf)
            {
                long[] scaleShape = tensor == badScaleOf ? [blockRows + 1, blockColumns] : [blockRows, blockColumns];
                float[] written = tensor == badScaleOf ? [.. scales, .. new float[blockColumns]] : scales;
                writer.Add(tensor + "_scale_inv", DType.F32, scaleShape, MemoryMarshal.AsBytes(written.AsSpan()).ToArray());
            }
        }

        writer.WriteTo(Path.Combine(target, SafetensorsCheckpoint.SingleFileName));
        return target;
    }

    /// <summary>FP8 e4m3 codes (nearest value) with one scale per 128x128 block: scale = max |w| / 448.</summary>
    private static (byte[] Codes, float[] Scales, int BlockRows, int BlockColumns) Encode(float[] values, int rows, int columns)
    {
        const int b = Fp8E4M3.DefaultBlockSize;
        int blockRows = (rows + b - 1) / b, blockColumns = (columns + b - 1) / b;
        var scales = new float[blockRows * blockColumns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                int s = ((r / b) * blockColumns) + (c / b);
                scales[s] = Math.Max(scales[s], Math.Abs(values[(r * columns) + c]) / 448f);
            }
        }

        float[] table = [.. Enumerable.Range(0, 256).Select(code => Fp8E4M3.ToSingle((byte)code))];
        var codes = new byte[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                float scale = scales[((r / b) * blockColumns) + (c / b)];
                float x = scale > 0 ? values[(r * columns) + c] / scale : 0;
                int best = 0;
                for (int code = 1; code < 256; code++)
                {
                    if (float.IsFinite(table[code]) && Math.Abs(table[code] - x) < Math.Abs(table[best] - x))
                    {
                        best = code;
                    }
                }

                codes[(r * columns) + c] = (byte)best;
            }
        }

        return (codes, scales, blockRows, blockColumns);
    }
}
