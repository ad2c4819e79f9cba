namespace LlmFramework.Formats;

/// <summary>
/// The generator of random test-model weights, shared by every family's make-test-model writer: SplitMix64 seeding
/// + xorshift64* of our own, so test models are the same bytes on every runtime version (System.Random's algorithm is
/// not a promise). Gaussian-ish values are Irwin-Hall sums of four uniforms rescaled to unit variance: only additions
/// and multiplications, so no libm differences either.
/// </summary>
public sealed class SeededRandom
{
    private ulong _state;

    /// <summary>Starts the sequence of <paramref name="seed"/>; equal seeds give equal sequences.</summary>
    public SeededRandom(long seed)
    {
        // SplitMix64 step to spread small seeds over the state; xorshift needs a non-zero state.
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        _state = (z ^ (z >> 31)) | 1;
    }

    /// <summary>Next 64 random bits (xorshift64*).</summary>
    public ulong NextBits()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return unchecked(_state * 0x2545F4914F6CDD1DUL);
    }

    /// <summary>Uniform in [0, 1) with 24 random bits (exact in float).</summary>
    public float NextUniform() => (NextBits() >> 40) * (1f / (1 << 24));

    /// <summary>Approximately standard normal: (u1 + u2 + u3 + u4 - 2) * sqrt(3), in [-2sqrt3, 2sqrt3].</summary>
    public float NextGaussian() => (NextUniform() + NextUniform() + NextUniform() + NextUniform() - 2f) * 1.7320508f;

    /// <summary>Fills <paramref name="values"/> with mean + std * <see cref="NextGaussian"/>.</summary>
    public void Fill(Span<float> values, float mean, float std)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = mean + (std * NextGaussian());
        }
    }
}
