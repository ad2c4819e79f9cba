using System.Text;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>
/// Reads a GGUF file's tensor table (not its data) to count the weight bytes a decode step must stream from memory:
/// every tensor except the embedding table, of which one row is read per token; with tied embeddings the table is
/// also the output projection and is counted in full.
/// </summary>
internal static class GgufWeightBytes
{
    public static long ReadPerDecodedToken(string path)
    {
        Dictionary<string, long> sizes = ReadTensorSizes(path);
        long total = sizes.Values.Sum();
        bool tied = !sizes.ContainsKey("output.weight");
        if (!tied && sizes.TryGetValue("token_embd.weight", out long embedding))
        {
            total -= embedding;
        }

        return total;
    }

    /// <summary>Bytes of each tensor, by name.</summary>
    public static Dictionary<string, long> ReadTensorSizes(string path)
    {
        using FileStream stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadUInt32() != 0x46554747)
        {
            throw new InvalidDataException($"'{path}' is not a GGUF file (bad magic)");
        }

        uint version = reader.ReadUInt32();
        if (version is < 2 or > 3)
        {
            throw new InvalidDataException($"'{path}': GGUF version {version} is not supported (2 or 3 expected)");
        }

        ulong tensorCount = reader.ReadUInt64();
        ulong kvCount = reader.ReadUInt64();
        for (ulong i = 0; i < kvCount; i++)
        {
            ReadString(reader);
            SkipValue(reader, reader.ReadUInt32(), path);
        }

        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = ReadString(reader);
            uint dims = reader.ReadUInt32();
            long elements = 1;
            for (uint d = 0; d < dims; d++)
            {
                elements *= checked((long)reader.ReadUInt64());
            }

            uint type = reader.ReadUInt32();
            reader.ReadUInt64(); // data offset
            (int blockBytes, int blockElements) = BlockSize(type, name, path);
            sizes[name] = elements / blockElements * blockBytes;
        }

        return sizes;
    }

    private static (int Bytes, int Elements) BlockSize(uint ggmlType, string tensor, string path) => ggmlType switch
    {
        0 => (4, 1),      // F32
        1 => (2, 1),      // F16
        30 => (2, 1),     // BF16
        2 => (18, 32),    // Q4_0
        3 => (20, 32),    // Q4_1
        8 => (34, 32),    // Q8_0
        12 => (144, 256), // Q4_K
        13 => (176, 256), // Q5_K
        14 => (210, 256), // Q6_K
        _ => throw new NotSupportedException($"'{path}': tensor '{tensor}' has ggml type {ggmlType}, which this counter does not know"),
    };

    private static string ReadString(BinaryReader reader)
    {
        ulong length = reader.ReadUInt64();
        return Encoding.UTF8.GetString(reader.ReadBytes(checked((int)length)));
    }

    private static void SkipValue(BinaryReader reader, uint type, string path)
    {
        switch (type)
        {
            case 0 or 1 or 7: reader.BaseStream.Seek(1, SeekOrigin.Current); break;
            case 2 or 3: reader.BaseStream.Seek(2, SeekOrigin.Current); break;
            case 4 or 5 or 6: reader.BaseStream.Seek(4, SeekOrigin.Current); break;
            case 10 or 11 or 12: reader.BaseStream.Seek(8, SeekOrigin.Current); break;
            case 8: reader.BaseStream.Seek(checked((long)reader.ReadUInt64()), SeekOrigin.Current); break;
            case 9:
                uint elementType = reader.ReadUInt32();
                ulong count = reader.ReadUInt64();
                for (ulong i = 0; i < count; i++)
                {
                    SkipValue(reader, elementType, path);
                }

                break;
            default:
                throw new InvalidDataException($"'{path}': unknown GGUF metadata value type {type}");
        }
    }
}
