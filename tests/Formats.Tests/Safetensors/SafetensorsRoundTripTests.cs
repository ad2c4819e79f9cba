using System.Buffers.Binary;
using System.Text;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;

namespace LlmFramework.Formats.Tests.Safetensors;

public sealed class SafetensorsRoundTripTests
{
    public static TheoryData<DType> WeightDTypes => [DType.F32, DType.F16, DType.BF16, DType.I32];

    [Theory]
    [MemberData(nameof(WeightDTypes))]
    public unsafe void Tensors_of_every_weight_dtype_round_trip_in_place(DType type)
    {
        using var dir = new TempFolder();
        int size = DTypeInfo.BlockBytes(type);
        long[][] shapes = [[5], [3, 7], [2, 3, 4], [1, 2, 1, 3], []];
        var w = new SafetensorsWriter();
        var data = new List<byte[]>();
        for (int i = 0; i < shapes.Length; i++)
        {
            data.Add(LoadAssert.RandomBytes((int)shapes[i].Aggregate(1L, (a, d) => a * d) * size, i));
            w.Add($"model.t{i}", type, shapes[i], data[i]);
        }

        string path = dir.File("model.safetensors");
        w.WriteTo(path);

        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.Equal(shapes.Length, f.Tensors.Count);
        long expectedBegin = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            SafetensorsTensorInfo info = f.Tensors[i];
            Assert.Equal($"model.t{i}", info.Name);
            Assert.Equal(type.ToString(), info.DType);
            Assert.Equal(shapes[i], info.Shape);
            Assert.Equal(expectedBegin, info.Begin);
            expectedBegin = info.End;

            WeightTensor t = f.GetTensor(info.Name);
            Assert.Equal(type, t.Type);
            Assert.Equal(shapes[i], t.Shape);
            Assert.True(t.Bytes.SequenceEqual(data[i]));
            Assert.True(f.GetBytes(info.Name).SequenceEqual(data[i]));
            Assert.True(f.GetTensor(info.Name).Data == t.Data, "views point into the map, not into copies");
        }
    }

    [Theory]
    [InlineData("F8_E4M3", 1)]
    [InlineData("F8_E5M2", 1)]
    [InlineData("U8", 1)]
    [InlineData("I8", 1)]
    [InlineData("BOOL", 1)]
    [InlineData("I16", 2)]
    [InlineData("U16", 2)]
    [InlineData("U32", 4)]
    [InlineData("I64", 8)]
    [InlineData("U64", 8)]
    [InlineData("F64", 8)]
    public void Other_dtypes_round_trip_as_raw_bytes(string dtype, int size)
    {
        using var dir = new TempFolder();
        byte[] data = LoadAssert.RandomBytes(6 * size, 9);
        var w = new SafetensorsWriter();
        w.Add("scale", dtype, [2, 3], data);
        string path = dir.File("raw.safetensors");
        w.WriteTo(path);

        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.Equal(dtype, f.GetInfo("scale").DType);
        Assert.True(f.GetBytes("scale").SequenceEqual(data));
        LoadAssert.Fails(() => f.GetTensor("scale"), path, "'scale'", dtype);
    }

    [Fact]
    public void Sub_byte_dtypes_need_whole_bytes()
    {
        using var dir = new TempFolder();
        var w = new SafetensorsWriter();
        w.Add("packed", "F4", [2, 4], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.Add("odd", "F4", [3], new byte[2]));
        string path = dir.File("f4.safetensors");
        w.WriteTo(path);
        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.Equal(4, f.GetInfo("packed").ByteLength);
    }

    [Fact]
    public void Metadata_round_trips_and_header_is_padded_to_8()
    {
        using var dir = new TempFolder();
        var w = new SafetensorsWriter();
        w.AddMetadata("format", "pt");
        w.AddMetadata("note", "ünïcode + <symbols>");
        w.Add("a", DType.F32, [1], new byte[4]);
        string path = dir.File("meta.safetensors");
        w.WriteTo(path);

        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        Assert.Contains("<symbols>", Encoding.UTF8.GetString(bytes, 8, (int)n), StringComparison.Ordinal);
        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal("ünïcode + <symbols>", f.Metadata["note"]);
        Assert.Equal(8 + (long)n, f.DataOffset);
    }

    [Fact]
    public void Empty_and_zero_sized_tensors_are_fine()
    {
        using var dir = new TempFolder();
        var w = new SafetensorsWriter();
        w.Add("empty", DType.F32, [0, 4], ReadOnlyMemory<byte>.Empty);
        w.Add("after", DType.F32, [2], new byte[8]);
        string path = dir.File("zero.safetensors");
        w.WriteTo(path);
        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.Equal(0, f.GetInfo("empty").ByteLength);
        Assert.Equal(0, f.GetBytes("empty").Length);
        Assert.Equal(2, f.GetTensor("after").Columns);
    }

    [Fact]
    public void Missing_tensor_names_the_file_and_tensor()
    {
        using var dir = new TempFolder();
        var w = new SafetensorsWriter();
        w.Add("a", DType.F32, [1], new byte[4]);
        string path = dir.File("one.safetensors");
        w.WriteTo(path);
        using SafetensorsFile f = SafetensorsFile.Open(path);
        Assert.True(f.Contains("a"));
        Assert.False(f.Contains("b"));
        LoadAssert.Fails(() => f.GetTensor("b"), path, "'b'");
    }

    [Fact]
    public void Writer_refuses_inconsistent_input()
    {
        var w = new SafetensorsWriter();
        Assert.Throws<NotSupportedException>(() => w.Add("q", DType.Q8_0, [32], new byte[34]));
        Assert.Throws<ArgumentException>(() => w.Add("short", DType.F32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => w.Add("neg", DType.F32, [-1], Array.Empty<byte>()));
        Assert.Throws<ArgumentException>(() => w.Add("bad", "F17", [1], new byte[4]));
        Assert.Throws<ArgumentException>(() => w.Add("__metadata__", DType.F32, [1], new byte[4]));
        w.Add("x", DType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.Add("x", DType.F32, [1], new byte[4]));
        w.AddMetadata("k", "v");
        Assert.Throws<ArgumentException>(() => w.AddMetadata("k", "w"));
    }
}
