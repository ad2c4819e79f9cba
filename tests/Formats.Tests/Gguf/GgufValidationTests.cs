using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Formats.Tests.Gguf;

public sealed class GgufValidationTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void File_shorter_than_the_header()
    {
        Fails(GgufBytes.Header(0, 0).ToArray()[..20], "bad.gguf", "shorter", "header");
    }

    [Fact]
    public void Empty_file()
    {
        Fails([], "empty.gguf", "empty");
    }

    [Fact]
    public void Bad_magic()
    {
        byte[] bytes = GgufBytes.Header(0, 0).ToArray();
        bytes[0] = (byte)'g';
        Fails(bytes, "magic.gguf", "magic");
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(0x03000000u)]
    public void Unsupported_version(uint version)
    {
        Fails(GgufBytes.Header(0, 0, version).ToArray(), "version.gguf", "version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Absurd_tensor_count()
    {
        Fails(GgufBytes.Header(ulong.MaxValue / 2, 0).Zeros(64).ToArray(), "tensors.gguf", "absurd", "tensor count");
    }

    [Fact]
    public void Absurd_metadata_count()
    {
        Fails(GgufBytes.Header(0, 1UL << 40).KvU32("a", 1).ToArray(), "kv.gguf", "absurd", "metadata count");
    }

    [Theory]
    [InlineData(4u)]  // uint32 elements
    [InlineData(8u)]  // strings
    [InlineData(9u)]  // arrays
    public void Absurd_array_count_neither_allocates_nor_hangs(uint elementType)
    {
        byte[] bytes = GgufBytes.Header(0, 1).Str("tokenizer.ggml.tokens").U32(9).U32(elementType).U64(1UL << 59).Zeros(100).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Fails(bytes, "array.gguf", "tokenizer.ggml.tokens", "absurd");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        Assert.True(clock.ElapsedMilliseconds < 5000);
    }

    [Fact]
    public void String_running_past_the_end()
    {
        Fails(GgufBytes.Header(0, 1).U64(1000).Raw("general"u8.ToArray()).ToArray(), "string.gguf", "metadata key", "truncated");
    }

    [Fact]
    public void String_value_running_past_the_end()
    {
        Fails(GgufBytes.Header(0, 1).Str("general.name").U32(8).U64(ulong.MaxValue).Zeros(8).ToArray(), "value.gguf", "general.name", "truncated");
    }

    [Theory]
    [InlineData(13u)]
    [InlineData(0xFFFFFFFFu)]
    public void Unknown_value_type(uint type)
    {
        Fails(GgufBytes.Header(0, 1).Str("weird").U32(type).Zeros(16).ToArray(), "type.gguf", "unknown value type", "weird");
    }

    [Fact]
    public void Unknown_array_element_type()
    {
        Fails(GgufBytes.Header(0, 1).Str("weird").U32(9).U32(77).U64(1).Zeros(16).ToArray(), "elemtype.gguf", "unknown value type", "77");
    }

    [Fact]
    public void Arrays_nested_too_deep()
    {
        var b = GgufBytes.Header(0, 1).Str("deep").U32(9);
        for (int i = 0; i < 100; i++)
        {
            b.U32(9).U64(1);
        }

        Fails(b.U32(4).U64(0).ToArray(), "deep.gguf", "deep", "nests");
    }

    [Fact]
    public void Duplicate_metadata_key()
    {
        Fails(GgufBytes.Header(0, 2).KvU32("llama.block_count", 1).KvU32("llama.block_count", 2).ToArray(), "dupkey.gguf", "duplicate", "llama.block_count");
    }

    [Fact]
    public void Duplicate_tensor_name()
    {
        var b = GgufBytes.Header(2, 0).TensorInfo("w", [4], 0, 0).TensorInfo("w", [4], 0, 32).PadTo(32).Zeros(64);
        Fails(b.ToArray(), "dupname.gguf", "duplicate", "'w'");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Dimension_count_out_of_range(int nDims)
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("blk.0.attn_q.weight", Enumerable.Repeat(1UL, nDims).ToArray(), 0, 0).PadTo(32).Zeros(32);
        Fails(b.ToArray(), "ndims.gguf", "blk.0.attn_q.weight", "dimensions");
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)] // -1 as a signed value
    public void Zero_or_negative_dimension(ulong dim)
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("w", [4, dim], 0, 0).PadTo(32).Zeros(32);
        Fails(b.ToArray(), "dim.gguf", "'w'", "dimension");
    }

    [Fact]
    public void Dimensions_whose_product_overflows()
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("w", [1UL << 40, 1UL << 40], 0, 0).PadTo(32).Zeros(32);
        Fails(b.ToArray(), "overflow.gguf", "'w'", "absurd");
    }

    [Fact]
    public void Row_length_not_a_multiple_of_the_block_size()
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("q", [33, 2], (uint)DTypeInfo.ToGgmlType(DType.Q8_0), 0).PadTo(32).Zeros(200);
        Fails(b.ToArray(), "block.gguf", "'q'", "multiple", "32");
    }

    [Fact]
    public void Unknown_ggml_type_opens_and_is_reported_when_used()
    {
        var b = GgufBytes.Header(2, 0).TensorInfo("mystery", [16], 99, 0).TensorInfo("ok", [4], 0, 0).PadTo(32).Zeros(16);
        string path = _dir.Write("unknown.gguf", b.ToArray());
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(99, f.Tensors[0].GgmlType);
        Assert.Equal(-1, f.Tensors[0].ByteLength);
        LoadAssert.Fails(() => f.GetTensor("mystery"), path, "'mystery'", "99");
        LoadAssert.Fails(() => f.GetTensorBytes("mystery"), path, "'mystery'", "99");
        Assert.Equal(4, f.GetTensor("ok").Columns);
    }

    [Fact]
    public void Tensor_data_past_the_end_of_the_file()
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("output.weight", [8, 4], 0, 0).PadTo(32).Zeros(8 * 4 * 4 - 1);
        Fails(b.ToArray(), "short.gguf", "output.weight", "past the end");
    }

    [Fact]
    public void Tensor_offset_past_the_end_of_the_file()
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("w", [8], 0, 1UL << 62).PadTo(32).Zeros(32);
        Fails(b.ToArray(), "far.gguf", "'w'", "past the end");
    }

    [Fact]
    public void Truncated_valid_file()
    {
        var w = new GgufWriter();
        w.AddTensor("w", DType.F32, [16, 16], new byte[1024]);
        string path = _dir.File("trunc.gguf");
        w.WriteTo(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);
        LoadAssert.Fails(() => GgufFile.Open(path).Dispose(), path, "'w'", "past the end");
    }

    [Fact]
    public void Misaligned_offset()
    {
        var b = GgufBytes.Header(1, 0).TensorInfo("w", [4], 0, 4).PadTo(32).Zeros(64);
        Fails(b.ToArray(), "misaligned.gguf", "'w'", "misaligned", "32");
    }

    [Fact]
    public void Misaligned_offset_with_custom_alignment()
    {
        var b = GgufBytes.Header(1, 1).KvU32("general.alignment", 64).TensorInfo("w", [4], 0, 32).PadTo(64).Zeros(64);
        Fails(b.ToArray(), "misaligned64.gguf", "'w'", "misaligned", "64");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(48u)]
    public void Alignment_not_a_power_of_two(uint alignment)
    {
        Fails(GgufBytes.Header(0, 1).KvU32("general.alignment", alignment).ToArray(), "alignment.gguf", "general.alignment", "power of two");
    }

    [Fact]
    public void Alignment_of_the_wrong_type()
    {
        Fails(GgufBytes.Header(0, 1).KvString("general.alignment", "32").ToArray(), "alignstr.gguf", "general.alignment", "integer");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        var b = GgufBytes.Header(2, 0).TensorInfo("a", [16], 0, 0).TensorInfo("b", [16], 0, 32).PadTo(32).Zeros(128);
        Fails(b.ToArray(), "overlap.gguf", "'a'", "'b'", "overlap");
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_a_load_error()
    {
        byte[] bytes = BuildValidFile();
        for (int length = 0; length < bytes.Length; length++)
        {
            string path = _dir.Write("cut.gguf", bytes[..length]);
            Assert.Throws<ModelLoadException>(() => GgufFile.Open(path).Dispose());
        }
    }

    [Fact]
    public void Random_corruption_never_escapes_as_another_exception()
    {
        byte[] valid = BuildValidFile();
        var random = new Random(1234);
        for (int i = 0; i < 400; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            for (int k = 0; k < 3; k++)
            {
                bytes[random.Next(4, 400)] = (byte)random.Next(256); // header region, leaving the magic
            }

            string path = _dir.Write("fuzz.gguf", bytes);
            try
            {
                using GgufFile f = GgufFile.Open(path);
                foreach (GgufTensorInfo t in f.Tensors)
                {
                    if (DTypeInfo.TryFromGgmlType(t.GgmlType, out _))
                    {
                        _ = f.GetTensor(t.Name);
                    }
                }
            }
            catch (ModelLoadException)
            {
            }
        }
    }

    private static byte[] BuildValidFile()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddUInt32("llama.block_count", 2);
        w.AddStringArray("tokenizer.ggml.tokens", ["a", "b", "c"]);
        w.AddFloat32Array("tokenizer.ggml.scores", [1f, 2f, 3f]);
        w.AddTensor("token_embd.weight", DType.Q8_0, [2, 32], new byte[68]);
        w.AddTensor("output_norm.weight", DType.F32, [8], new byte[32]); // ends exactly at an alignment boundary
        using var dir = new TempFolder();
        string path = dir.File("valid.gguf");
        w.WriteTo(path);
        return File.ReadAllBytes(path);
    }

    private void Fails(byte[] bytes, string name, params string[] words)
    {
        string path = _dir.Write(name, bytes);
        LoadAssert.Fails(() => GgufFile.Open(path).Dispose(), path, words);
    }
}
