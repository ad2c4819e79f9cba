using System.Buffers.Binary;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Quantization;

/// <summary>
/// Scalar reference codecs for every weight <see cref="DType"/>, producing and reading the exact ggml/GGUF byte
/// layouts. Quantisation follows ggml's reference quantize_row_*_ref algorithms (Q8_0 d = amax/127 with
/// round-half-away levels; Q4_0 d = max/-8 with the signed max; Q4_K and Q6_K with ggml's scale searches).
/// These are the obviously-correct baselines that backends are tested against, not fast paths.
/// </summary>
public static class BlockQuantizer
{
    /// <summary>
    /// Encodes <paramref name="values"/> (a whole number of blocks) into <paramref name="destination"/>, which must be
    /// exactly <see cref="DTypeInfo.RowBytes"/> bytes long.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not fit the type's block geometry.</exception>
    /// <exception cref="NotSupportedException"><paramref name="type"/> is not a floating-point weight type (I32).</exception>
    public static void Quantize(DType type, ReadOnlySpan<float> values, Span<byte> destination)
    {
        CheckGeometry(type, values.Length, destination.Length, nameof(values), nameof(destination));
        switch (type)
        {
            case DType.F32:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], values[i]);
                }

                break;
            case DType.F16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], HalfConversion.SingleToHalf(values[i]));
                }

                break;
            case DType.BF16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], HalfConversion.SingleToBF16(values[i]));
                }

                break;
            case DType.Q8_0:
                ForEachBlock(values, destination, Q8_0Codec.BlockSize, Q8_0Codec.BlockBytes, Q8_0Codec.QuantizeBlock);
                break;
            case DType.Q4_0:
                ForEachBlock(values, destination, Q4_0Codec.BlockSize, Q4_0Codec.BlockBytes, Q4_0Codec.QuantizeBlock);
                break;
            case DType.Q4_K:
                ForEachBlock(values, destination, Q4KCodec.BlockSize, Q4KCodec.BlockBytes, Q4KCodec.QuantizeBlock);
                break;
            case DType.Q6_K:
                ForEachBlock(values, destination, Q6KCodec.BlockSize, Q6KCodec.BlockBytes, Q6KCodec.QuantizeBlock);
                break;
            default:
                throw new NotSupportedException($"BlockQuantizer cannot encode floats as {type}: it is not a floating-point weight type.");
        }
    }

    /// <summary>Encodes <paramref name="values"/> (a whole number of blocks) into a new array of <see cref="DTypeInfo.RowBytes"/> bytes.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of blocks.</exception>
    public static byte[] Quantize(DType type, ReadOnlySpan<float> values)
    {
        byte[] result = new byte[CheckedRowBytes(type, values.Length, nameof(values))];
        Quantize(type, values, result);
        return result;
    }

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>; the source must be exactly
    /// <see cref="DTypeInfo.RowBytes"/> bytes for <c>destination.Length</c> values.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not fit the type's block geometry.</exception>
    /// <exception cref="NotSupportedException"><paramref name="type"/> is not a floating-point weight type (I32).</exception>
    public static void Dequantize(DType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckGeometry(type, destination.Length, source.Length, nameof(destination), nameof(source));
        switch (type)
        {
            case DType.F32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case DType.F16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                }

                break;
            case DType.BF16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = HalfConversion.BF16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                }

                break;
            case DType.Q8_0:
                ForEachBlock(source, destination, Q8_0Codec.BlockSize, Q8_0Codec.BlockBytes, Q8_0Codec.DequantizeBlock);
                break;
            case DType.Q4_0:
                ForEachBlock(source, destination, Q4_0Codec.BlockSize, Q4_0Codec.BlockBytes, Q4_0Codec.DequantizeBlock);
                break;
            case DType.Q4_K:
                ForEachBlock(source, destination, Q4KCodec.BlockSize, Q4KCodec.BlockBytes, Q4KCodec.DequantizeBlock);
                break;
            case DType.Q6_K:
                ForEachBlock(source, destination, Q6KCodec.BlockSize, Q6KCodec.BlockBytes, Q6KCodec.DequantizeBlock);
                break;
            default:
                throw new NotSupportedException($"BlockQuantizer cannot decode {type} to floats: it is not a floating-point weight type.");
        }
    }

    private delegate void EncodeBlock(ReadOnlySpan<float> values, Span<byte> block);

    private delegate void DecodeBlock(ReadOnlySpan<byte> block, Span<float> values);

    private static void ForEachBlock(ReadOnlySpan<float> values, Span<byte> destination, int blockSize, int blockBytes, EncodeBlock encode)
    {
        for (int b = 0; b < values.Length / blockSize; b++)
        {
            encode(values.Slice(b * blockSize, blockSize), destination.Slice(b * blockBytes, blockBytes));
        }
    }

    private static void ForEachBlock(ReadOnlySpan<byte> source, Span<float> destination, int blockSize, int blockBytes, DecodeBlock decode)
    {
        for (int b = 0; b < destination.Length / blockSize; b++)
        {
            decode(source.Slice(b * blockBytes, blockBytes), destination.Slice(b * blockSize, blockSize));
        }
    }

    private static void CheckGeometry(DType type, int valueCount, int byteCount, string valuesName, string bytesName)
    {
        if (type == DType.I32)
        {
            throw new NotSupportedException("BlockQuantizer handles floating-point weight types only; I32 is an integer type.");
        }

        long expected = CheckedRowBytes(type, valueCount, valuesName);
        if (byteCount != expected)
        {
            throw new ArgumentException(
                $"{valueCount} values of {type} take {expected} bytes, but the byte span '{bytesName}' has {byteCount}.", bytesName);
        }
    }

    private static long CheckedRowBytes(DType type, int valueCount, string valuesName)
    {
        if (type == DType.I32)
        {
            throw new NotSupportedException("BlockQuantizer handles floating-point weight types only; I32 is an integer type.");
        }

        int blockSize = DTypeInfo.BlockSize(type);
        if (valueCount % blockSize != 0)
        {
            throw new ArgumentException(
                $"{type} encodes blocks of {blockSize} values; a length of {valueCount} is not a multiple of {blockSize}.", valuesName);
        }

        return DTypeInfo.RowBytes(type, valueCount);
    }
}
