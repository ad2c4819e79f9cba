namespace LlmFramework.Samples.Rag;

/// <summary>
/// An in-memory vector index: chunks with their embeddings, searched by cosine similarity after subtracting the mean
/// of the indexed vectors (a small language model's mean-pooled states all point much the same way; centring them
/// leaves the part that tells the chunks apart).
/// </summary>
internal sealed class CosineIndex
{
    private readonly List<(DocumentChunk Chunk, float[] Vector)> _entries = [];

    public int Count => _entries.Count;

    public void Add(DocumentChunk chunk, ReadOnlyMemory<float> vector) => _entries.Add((chunk, vector.ToArray()));

    /// <summary>The <paramref name="k"/> chunks most similar to <paramref name="query"/>, best first.</summary>
    public IReadOnlyList<(DocumentChunk Chunk, float Score)> Search(ReadOnlyMemory<float> query, int k)
    {
        float[] mean = new float[query.Length];
        foreach ((_, float[] vector) in _entries)
        {
            for (int i = 0; i < mean.Length; i++)
            {
                mean[i] += vector[i] / _entries.Count;
            }
        }

        float[] q = Centre(query.Span, mean);
        return [.. _entries
            .Select(e => (e.Chunk, Score: Cosine(q, Centre(e.Vector, mean))))
            .OrderByDescending(e => e.Score)
            .Take(k)];
    }

    private static float[] Centre(ReadOnlySpan<float> vector, float[] mean)
    {
        float[] centred = new float[vector.Length];
        for (int i = 0; i < centred.Length; i++)
        {
            centred[i] = vector[i] - mean[i];
        }

        return centred;
    }

    /// <summary>Cosine similarity: the dot product over the product of the lengths.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vectors of different lengths: {a.Length} and {b.Length}");
        }

        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0f : (float)(dot / Math.Sqrt(na * nb));
    }
}
