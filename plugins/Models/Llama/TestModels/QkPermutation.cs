namespace LlmFramework.Models.Llama.TestModels;

/// <summary>
/// The row permutation llama.cpp's convert_hf_to_gguf.py applies to LLaMA q and k weights (LlamaModel.permute):
/// within each head the rows laid out as [2, Dh/2] (Hugging Face's halves for rotate_half) become [Dh/2, 2], so
/// rotating adjacent pairs on the GGUF weights gives the same attention as rotating halves on the HF ones.
/// </summary>
public static class QkPermutation
{
    /// <summary>
    /// HF row order to GGUF row order for a [heads * headDim, columns] weight: GGUF row (h*Dh + 2j + s) is HF row
    /// (h*Dh + s*Dh/2 + j). Use the query head count for q and the KV head count for k.
    /// </summary>
    public static float[] ToGgufOrder(ReadOnlySpan<float> weight, int heads, int columns)
    {
        if (heads <= 0 || columns <= 0 || weight.Length % (heads * columns) != 0)
        {
            throw new ArgumentException($"a weight of {weight.Length} values is not {heads} heads of rows of {columns} columns");
        }

        int headDim = weight.Length / columns / heads;
        if (headDim % 2 != 0)
        {
            throw new ArgumentException($"head dim {headDim} must be even");
        }

        int half = headDim / 2;
        var result = new float[weight.Length];
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < half; j++)
            {
                for (int s = 0; s < 2; s++)
                {
                    int from = (h * headDim) + (s * half) + j;
                    int to = (h * headDim) + (2 * j) + s;
                    weight.Slice(from * columns, columns).CopyTo(result.AsSpan(to * columns, columns));
                }
            }
        }

        return result;
    }
}
