namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// What a model stores per token and layer in the KV cache, described as named streams of F32 values.
/// A standard transformer has two streams per layer (keys of width Hkv*Dk, values of width Hkv*Dv);
/// an MLA model can store one compressed latent stream instead. The engine sizes its paged cache from this.
/// </summary>
/// <param name="LayerCount">Layers with a cache.</param>
/// <param name="StreamWidths">Width of each stream (same for every layer), e.g. [Hkv*Dk, Hkv*Dv].</param>
/// <param name="MaxContextLength">Longest sequence the model supports.</param>
public sealed record KvCacheLayout(int LayerCount, int[] StreamWidths, int MaxContextLength)
{
    /// <summary>Bytes the cache needs per token over all layers when stored as F32.</summary>
    public long BytesPerToken => (long)LayerCount * StreamWidths.Sum() * sizeof(float);
}
