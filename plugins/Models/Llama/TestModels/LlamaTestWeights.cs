using LlmFramework.Abstractions.Models;
using LlmFramework.Formats;
using LlmFramework.Models.Llama.Loading;

namespace LlmFramework.Models.Llama.TestModels;

/// <summary>
/// Random weights of a test model in Hugging Face layout (q/k rows as HF stores them), drawn once from the seed in a
/// fixed order. Matrices have std 1/sqrt(fan_in) so activations keep their scale; the embedding table has std 1 and
/// norm weights are 1 + small noise, which gives logits with a std around 1 (not flat).
/// </summary>
internal sealed class LlamaTestWeights
{
    private LlamaTestWeights(List<(string Name, long[] Shape, float[] Values)> tensors) => Tensors = tensors;

    /// <summary>(HF name, shape outermost first, values) in writing order.</summary>
    public IReadOnlyList<(string Name, long[] Shape, float[] Values)> Tensors { get; }

    public static LlamaTestWeights Generate(TestModelSpec spec)
    {
        var rng = new SeededRandom(spec.Seed);
        var tensors = new List<(string, long[], float[])>();
        int d = spec.Dim, f = spec.FeedForward, v = spec.VocabSize;
        int headDim = d / spec.Heads;
        int q = spec.Heads * headDim, kv = spec.KvHeads * headDim;
        LlamaTensorNames n = LlamaTensorNames.HuggingFace;

        void Matrix(string name, int rows, int columns, float std)
        {
            var values = new float[(long)rows * columns];
            rng.Fill(values, 0f, std);
            tensors.Add((name, [rows, columns], values));
        }

        void Norm(string name)
        {
            var values = new float[d];
            rng.Fill(values, 1f, 0.05f);
            tensors.Add((name, [d], values));
        }

        Matrix(n.TokenEmbedding, v, d, 1f);                        // (V, D)
        for (int l = 0; l < spec.Layers; l++)
        {
            Norm(n.AttentionNorm(l));                              // (D)
            Matrix(n.Query(l), q, d, 1f / MathF.Sqrt(d));          // (H * Dh, D)
            Matrix(n.Key(l), kv, d, 1f / MathF.Sqrt(d));           // (Hkv * Dh, D)
            Matrix(n.Value(l), kv, d, 1f / MathF.Sqrt(d));         // (Hkv * Dh, D)
            Matrix(n.AttentionOutput(l), d, q, 1f / MathF.Sqrt(q)); // (D, H * Dh)
            Norm(n.FeedForwardNorm(l));                            // (D)
            Matrix(n.Gate(l), f, d, 1f / MathF.Sqrt(d));           // (F, D)
            Matrix(n.Up(l), f, d, 1f / MathF.Sqrt(d));             // (F, D)
            Matrix(n.Down(l), d, f, 1f / MathF.Sqrt(f));           // (D, F)
        }

        Norm(n.OutputNorm);                                        // (D)
        if (!spec.TiedEmbeddings)
        {
            Matrix(n.Output, v, d, 1f / MathF.Sqrt(d));            // (V, D)
        }

        return new LlamaTestWeights(tensors);
    }
}
