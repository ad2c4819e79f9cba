using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;

namespace LlmFramework.Formats.Tests.Safetensors;

public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void File_shorter_than_8_bytes()
    {
        Fails([1, 0, 0, 0], "tiny.safetensors", "shorter", "8");
    }

    [Fact]
    public void Empty_file()
    {
        Fails([], "empty.safetensors", "empty");
    }

    [Fact]
    public void Header_length_larger_than_the_file()
    {
        Fails(SafetensorsBytes.Build("{}", 0, claimedHeaderLength: 1000), "lying.safetensors", "header length", "larger than the file");
    }

    [Fact]
    public void Huge_header_length_neither_allocates_nor_hangs()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(SafetensorsBytes.Build("{}", 0, claimedHeaderLength: ulong.MaxValue), "huge.safetensors", "larger than the file");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\", ")]
    [InlineData("{'a': 1}")]
    [InlineData("{} {}")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},}")]
    public void Invalid_json_says_so(string header)
    {
        Fails(SafetensorsBytes.Build(header, 4), "json.safetensors", "JSON");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    public void Header_that_is_not_an_object(string header)
    {
        Fails(SafetensorsBytes.Build(header, 0), "array.safetensors", "object");
    }

    [Fact]
    public void Unknown_dtype()
    {
        Fails(Header("\"w\": {\"dtype\": \"F17\", \"shape\": [1], \"data_offsets\": [0, 4]}", 4), "dtype.safetensors", "'w'", "unknown dtype", "F17");
    }

    [Fact]
    public void End_before_begin()
    {
        Fails(Header("\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}", 8), "order.safetensors", "'w'", "end before");
    }

    [Fact]
    public void Offsets_past_the_end_of_the_data()
    {
        Fails(Header("\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}", 12), "past.safetensors", "'w'", "past the end");
    }

    [Fact]
    public void Byte_size_not_matching_shape_and_dtype()
    {
        Fails(Header("\"w\": {\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [0, 8]}", 8), "size.safetensors", "'w'", "size mismatch", "6");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        Fails(
            Header("\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}", 12),
            "overlap.safetensors", "'a'", "'b'", "overlap");
    }

    [Fact]
    public void Duplicate_tensor_names()
    {
        Fails(
            Header("\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}", 8),
            "dup.safetensors", "duplicate", "'a'");
    }

    [Fact]
    public void Duplicate_metadata_sections()
    {
        Fails(SafetensorsBytes.Build("{\"__metadata__\": {}, \"__metadata__\": {}}", 0), "dupmeta.safetensors", "duplicate", "__metadata__");
    }

    [Fact]
    public void Negative_dimension()
    {
        Fails(Header("\"w\": {\"dtype\": \"F32\", \"shape\": [-1, 2], \"data_offsets\": [0, 0]}", 0), "neg.safetensors", "'w'", "negative");
    }

    [Fact]
    public void Fractional_offset()
    {
        Fails(Header("\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4.5]}", 8), "frac.safetensors", "'w'", "integers");
    }

    [Fact]
    public void Missing_field()
    {
        Fails(Header("\"w\": {\"dtype\": \"F32\", \"shape\": [1]}", 4), "field.safetensors", "'w'", "data_offsets");
    }

    [Fact]
    public void Metadata_value_that_is_not_a_string()
    {
        Fails(SafetensorsBytes.Build("{\"__metadata__\": {\"epoch\": 3}}", 0), "meta.safetensors", "epoch", "strings");
    }

    [Fact]
    public void Truncated_valid_file()
    {
        var w = new SafetensorsWriter();
        w.Add("w", DType.F32, [16, 16], new byte[1024]);
        string path = _dir.File("trunc.safetensors");
        w.WriteTo(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1]);
        LoadAssert.Fails(() => SafetensorsFile.Open(path).Dispose(), path, "'w'", "past the end");
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_a_load_error()
    {
        byte[] bytes = BuildValidFile();
        for (int length = 0; length < bytes.Length; length++)
        {
            string path = _dir.Write("cut.safetensors", bytes[..length]);
            Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path).Dispose());
        }
    }

    [Fact]
    public void Random_corruption_never_escapes_as_another_exception()
    {
        byte[] valid = BuildValidFile();
        var random = new Random(99);
        for (int i = 0; i < 400; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            for (int k = 0; k < 2; k++)
            {
                bytes[random.Next(0, valid.Length - 24)] = (byte)random.Next(256);
            }

            string path = _dir.Write("fuzz.safetensors", bytes);
            try
            {
                using SafetensorsFile f = SafetensorsFile.Open(path);
                foreach (SafetensorsTensorInfo t in f.Tensors)
                {
                    _ = f.GetBytes(t.Name);
                }
            }
            catch (ModelLoadException)
            {
            }
        }
    }

    private static byte[] BuildValidFile()
    {
        var w = new SafetensorsWriter();
        w.AddMetadata("format", "pt");
        w.Add("model.embed_tokens.weight", DType.BF16, [4, 2], new byte[16]);
        w.Add("model.norm.weight", DType.F32, [2], new byte[8]);
        using var dir = new TempFolder();
        string path = dir.File("valid.safetensors");
        w.WriteTo(path);
        return File.ReadAllBytes(path);
    }

    private static byte[] Header(string entries, int dataBytes) => SafetensorsBytes.Build("{" + entries + "}", dataBytes);

    private void Fails(byte[] bytes, string name, params string[] words)
    {
        string path = _dir.Write(name, bytes);
        LoadAssert.Fails(() => SafetensorsFile.Open(path).Dispose(), path, words);
    }
}
