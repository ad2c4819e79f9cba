using LlmFramework.Abstractions.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch.Ops;

/// <summary>
/// <see cref="OpKind.Rope"/> on a [T, H·Dh] tensor. cos and sin of p·f are computed in float64 (as the reference
/// does), scaled by the attention factor and rounded to F32 once; the rotation itself is F32. Every layer of a step
/// rotates the same positions with the same frequencies, so the tables are kept for the rest of the partition.
/// </summary>
internal sealed class RopeOp
{
    private readonly Dictionary<(float[] Frequencies, float Factor), (Tensor Cos, Tensor Sin)> _tables = [];
    private readonly Device _device;

    public RopeOp(Device device)
    {
        _device = device;
    }

    /// <summary>Forgets the tables (a partition's dispose scope frees them at its end).</summary>
    public void Reset() => _tables.Clear();

    /// <summary>x rotated at <paramref name="positions"/> (one per row of x).</summary>
    public Tensor Apply(RopeParams p, Tensor x, ReadOnlySpan<int> positions)
    {
        long tokens = x.shape[0];
        int half = p.RotaryDim / 2;
        if (tokens == 0)
        {
            return x.clone();
        }

        (Tensor cos, Tensor sin) = Tables(p, positions[..checked((int)tokens)], half);
        Tensor heads = x.reshape(tokens, p.HeadCount, p.HeadDim);
        Tensor rotary = heads.narrow(2, 0, p.RotaryDim);
        Tensor rotated;
        if (p.Style == RopeStyle.NeoX)
        {
            // Pairs (i, i + R/2).
            Tensor first = rotary.narrow(2, 0, half), second = rotary.narrow(2, half, half);
            rotated = cat([(first * cos) - (second * sin), (first * sin) + (second * cos)], 2);
        }
        else
        {
            // Pairs (2i, 2i + 1).
            Tensor pairs = rotary.reshape(tokens, p.HeadCount, half, 2);
            Tensor first = pairs.select(3, 0), second = pairs.select(3, 1);
            rotated = stack([(first * cos) - (second * sin), (first * sin) + (second * cos)], 3).reshape(tokens, p.HeadCount, p.RotaryDim);
        }

        Tensor result = p.RotaryDim == p.HeadDim ? rotated : cat([rotated, heads.narrow(2, p.RotaryDim, p.HeadDim - p.RotaryDim)], 2);
        return result.reshape(tokens, (long)p.HeadCount * p.HeadDim);
    }

    /// <summary>cos and sin [T, 1, R/2] (F32, times the attention factor) for this partition's positions.</summary>
    private (Tensor Cos, Tensor Sin) Tables(RopeParams p, ReadOnlySpan<int> positions, int half)
    {
        if (_tables.TryGetValue((p.InverseFrequencies, p.AttentionFactor), out (Tensor Cos, Tensor Sin) known)
            && known.Cos.shape[0] == positions.Length && known.Cos.shape[2] == half)
        {
            return known;
        }

        var positionValues = new double[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            positionValues[i] = positions[i];
        }

        var frequencies = new double[half];
        for (int i = 0; i < half; i++)
        {
            frequencies[i] = p.InverseFrequencies[i];
        }

        using Tensor position = tensor(positionValues, [positions.Length, 1], ScalarType.Float64);
        using Tensor frequency = tensor(frequencies, [1, frequencies.Length], ScalarType.Float64);
        using Tensor angle = position * frequency;
        var tables = (
            (angle.cos() * p.AttentionFactor).to_type(ScalarType.Float32).unsqueeze(1).to(_device),
            (angle.sin() * p.AttentionFactor).to_type(ScalarType.Float32).unsqueeze(1).to(_device));
        _tables[(p.InverseFrequencies, p.AttentionFactor)] = tables;
        return tables;
    }
}
