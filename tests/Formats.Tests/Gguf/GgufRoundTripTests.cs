using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Formats.Tests.Gguf;

public sealed class GgufRoundTripTests
{
    public static TheoryData<GgufValueType, object> Scalars => new()
    {
        { GgufValueType.UInt8, (byte)200 },
        { GgufValueType.Int8, (sbyte)-100 },
        { GgufValueType.UInt16, (ushort)60000 },
        { GgufValueType.Int16, (short)-30000 },
        { GgufValueType.UInt32, 4_000_000_000u },
        { GgufValueType.Int32, -2_000_000_000 },
        { GgufValueType.Float32, 1.5e-5f },
        { GgufValueType.Bool, true },
        { GgufValueType.String, "héllo ▁world" },
        { GgufValueType.UInt64, ulong.MaxValue },
        { GgufValueType.Int64, long.MinValue },
        { GgufValueType.Float64, Math.PI },
    };

    public static TheoryData<GgufValueType, Array> Arrays => new()
    {
        { GgufValueType.UInt8, new byte[] { 0, 1, 255 } },
        { GgufValueType.Int8, new sbyte[] { -128, 0, 127 } },
        { GgufValueType.UInt16, new ushort[] { 1, 65535 } },
        { GgufValueType.Int16, new short[] { -1, 2, -3 } },
        { GgufValueType.UInt32, new uint[] { 7, uint.MaxValue } },
        { GgufValueType.Int32, new int[] { -7, 0, int.MaxValue } },
        { GgufValueType.Float32, new float[] { 0.5f, -1e30f, float.NaN } },
        { GgufValueType.Bool, new bool[] { true, false, true } },
        { GgufValueType.String, new string[] { "a", string.Empty, "<|endoftext|>", "日本" } },
        { GgufValueType.UInt64, new ulong[] { ulong.MaxValue, 0 } },
        { GgufValueType.Int64, new long[] { long.MinValue, 1 } },
        { GgufValueType.Float64, new double[] { 1e300, -0.0 } },
        { GgufValueType.UInt8, Array.Empty<byte>() },
        { GgufValueType.String, Array.Empty<string>() },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalar_of_every_value_type_round_trips(GgufValueType type, object value)
    {
        using var dir = new TempFolder();
        var writer = new GgufWriter();
        writer.Add("test.value", GgufValue.FromScalar(type, value));
        string path = dir.File("scalar.gguf");
        writer.WriteTo(path);

        using GgufFile file = GgufFile.Open(path);
        GgufValue read = file.Metadata["test.value"];
        Assert.Equal(type, read.Type);
        Assert.Equal(type, read.ElementType);
        Assert.Equal(value, read.Value);
    }

    [Theory]
    [MemberData(nameof(Arrays))]
    public void Array_of_every_element_type_round_trips(GgufValueType elementType, Array values)
    {
        using var dir = new TempFolder();
        var writer = new GgufWriter();
        writer.Add("test.array", GgufValue.FromArray(elementType, values));
        writer.AddUInt32("test.after", 42); // proves the reader consumed exactly the array's bytes
        string path = dir.File("array.gguf");
        writer.WriteTo(path);

        using GgufFile file = GgufFile.Open(path);
        GgufValue read = file.Metadata["test.array"];
        Assert.Equal(GgufValueType.Array, read.Type);
        Assert.Equal(elementType, read.ElementType);
        Assert.Equal(values.GetType(), read.Value.GetType());
        Assert.Equal(values.Cast<object>(), ((Array)read.Value).Cast<object>());
        Assert.Equal(42, file.GetInteger("test.after"));
    }

    [Fact]
    public void Nested_arrays_round_trip()
    {
        using var dir = new TempFolder();
        var inner1 = GgufValue.FromArray(GgufValueType.Int32, new[] { 1, 2 });
        var inner2 = GgufValue.FromArray(GgufValueType.String, new[] { "x" });
        var writer = new GgufWriter();
        writer.Add("nested", GgufValue.FromArray(GgufValueType.Array, new[] { inner1, inner2 }));
        writer.AddBool("after", true);
        string path = dir.File("nested.gguf");
        writer.WriteTo(path);

        using GgufFile file = GgufFile.Open(path);
        var outer = (GgufValue[])file.Metadata["nested"].Value;
        Assert.Equal(GgufValueType.Array, file.Metadata["nested"].ElementType);
        Assert.Equal([1, 2], (int[])outer[0].Value);
        Assert.Equal(["x"], (string[])outer[1].Value);
        Assert.True(file.GetBool("after", false));
    }

    [Fact]
    public void Typed_getters_convert_where_documented()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddUInt32("llama.block_count", 22);
        w.AddInt32("neg", -5);
        w.AddUInt64("big", 1UL << 40);
        w.AddUInt64("huge", ulong.MaxValue);
        w.Add("u8", GgufValue.FromScalar(GgufValueType.UInt8, (byte)9));
        w.AddFloat32("llama.rope.freq_base", 10000f);
        w.Add("f64", GgufValue.FromScalar(GgufValueType.Float64, 0.25));
        w.AddBool("flag", false);
        w.AddStringArray("tokenizer.ggml.tokens", ["<s>", "</s>", "a"]);
        w.AddFloat32Array("tokenizer.ggml.scores", [0f, -1f, -2.5f]);
        w.AddInt32Array("tokenizer.ggml.token_type", [3, 3, 1]);
        w.Add("u32s", GgufValue.FromArray(GgufValueType.UInt32, new uint[] { 1, 2 }));
        w.Add("u16s", GgufValue.FromArray(GgufValueType.UInt16, new ushort[] { 7 }));
        w.Add("f64s", GgufValue.FromArray(GgufValueType.Float64, new double[] { 0.5 }));
        w.Add("bigs", GgufValue.FromArray(GgufValueType.Int64, new long[] { 1L << 40 }));
        string path = dir.File("getters.gguf");
        w.WriteTo(path);

        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal("llama", f.GetString("general.architecture"));
        Assert.Equal(22, f.GetInteger("llama.block_count"));
        Assert.Equal(-5, f.GetInteger("neg"));
        Assert.Equal(1L << 40, f.GetInteger("big"));
        Assert.Equal(9, f.GetInteger("u8"));
        Assert.Equal(10000f, f.GetFloat("llama.rope.freq_base"));
        Assert.Equal(0.25f, f.GetFloat("f64"));
        Assert.Equal(22f, f.GetFloat("llama.block_count"));
        Assert.False(f.GetBool("flag", true));
        Assert.True(f.GetBool("absent", true));
        Assert.Equal(["<s>", "</s>", "a"], f.GetStringArray("tokenizer.ggml.tokens"));
        Assert.Equal([0f, -1f, -2.5f], f.GetFloatArray("tokenizer.ggml.scores"));
        Assert.Equal([3, 3, 1], f.GetIntArray("tokenizer.ggml.token_type"));
        Assert.Equal([1, 2], f.GetIntArray("u32s"));
        Assert.Equal([7], f.GetIntArray("u16s"));
        Assert.Equal([0.5f], f.GetFloatArray("f64s"));
        Assert.Equal([1f, 2f], f.GetFloatArray("u32s"));
        f.GetStringArray("tokenizer.ggml.tokens")[0] = "changed";
        f.GetIntArray("tokenizer.ggml.token_type")[0] = 99;
        f.GetFloatArray("tokenizer.ggml.scores")[0] = 99f;
        Assert.Equal("<s>", f.GetStringArray("tokenizer.ggml.tokens")[0]);
        Assert.Equal(3, f.GetIntArray("tokenizer.ggml.token_type")[0]);
        Assert.Equal(0f, f.GetFloatArray("tokenizer.ggml.scores")[0]);
        Assert.True(f.ContainsKey("flag"));
        Assert.False(f.ContainsKey("nope"));

        Assert.False(f.TryGetString("nope", out _));
        Assert.False(f.TryGetInteger("nope", out _));
        Assert.False(f.TryGetFloat("nope", out _));
        Assert.True(f.TryGetInteger("llama.block_count", out long blocks) && blocks == 22);

        LoadAssert.Fails(() => f.GetString("nope"), path, "'nope'", "missing");
        LoadAssert.Fails(() => f.GetString("llama.block_count"), path, "llama.block_count", "string", "UInt32");
        LoadAssert.Fails(() => f.GetInteger("general.architecture"), path, "general.architecture", "integer");
        LoadAssert.Fails(() => f.GetInteger("huge"), path, "huge");
        LoadAssert.Fails(() => f.GetFloat("general.architecture"), path, "number");
        LoadAssert.Fails(() => f.GetBool("neg", false), path, "neg", "bool");
        LoadAssert.Fails(() => f.GetStringArray("u32s"), path, "u32s", "strings");
        LoadAssert.Fails(() => f.GetIntArray("tokenizer.ggml.scores"), path, "integers");
        LoadAssert.Fails(() => f.GetIntArray("bigs"), path, "bigs", "32-bit");
        LoadAssert.Fails(() => f.GetFloatArray("general.architecture"), path, "array");
    }

    public static TheoryData<DType> AllDTypes => [.. Enum.GetValues<DType>()];

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public unsafe void Tensors_of_every_dtype_round_trip_in_place(DType type)
    {
        using var dir = new TempFolder();
        int bs = DTypeInfo.BlockSize(type);
        long[][] shapes = [[2 * bs], [3, bs], [2, 3, 2 * bs], [2, 1, 2, bs]];
        var w = new GgufWriter();
        var data = new List<byte[]>();
        for (int i = 0; i < shapes.Length; i++)
        {
            long[] shape = shapes[i];
            long bytes = shape[..^1].Aggregate(1L, (a, d) => a * d) * DTypeInfo.RowBytes(type, shape[^1]);
            data.Add(LoadAssert.RandomBytes((int)bytes, i));
            w.AddTensor($"t{i}", type, shape, data[i]);
        }

        string path = dir.File("tensors.gguf");
        w.WriteTo(path);

        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(shapes.Length, f.Tensors.Count);
        for (int i = 0; i < shapes.Length; i++)
        {
            GgufTensorInfo info = f.Tensors[i];
            Assert.Equal($"t{i}", info.Name);
            Assert.Equal(DTypeInfo.ToGgmlType(type), info.GgmlType);
            Assert.Equal(shapes[i], info.Shape);
            Assert.Equal(data[i].Length, info.ByteLength);
            Assert.Equal(0, info.Offset % 32);
            Assert.True(f.ContainsTensor($"t{i}"));

            WeightTensor t = f.GetTensor($"t{i}");
            Assert.Equal(type, t.Type);
            Assert.Equal(shapes[i], t.Shape);
            Assert.Equal(shapes[i][^1], t.Columns);
            Assert.True(t.Bytes.SequenceEqual(data[i]));
            Assert.True(f.GetTensor($"t{i}").Data == t.Data, "views point into the map, not into copies");
        }

        Assert.False(f.ContainsTensor("t9"));
        LoadAssert.Fails(() => f.GetTensor("t9"), path, "'t9'");
    }

    [Fact]
    public void Reader_reverses_ne_so_shape_is_outermost_first()
    {
        using var dir = new TempFolder();
        var b = GgufBytes.Header(tensorCount: 1, kvCount: 0).TensorInfo("w", [8, 3], ggmlType: 0, offset: 0).PadTo(32).Zeros(3 * 8 * 4);
        string path = dir.Write("ne.gguf", b.ToArray());
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal([3L, 8L], f.Tensors[0].Shape);
        WeightTensor t = f.GetTensor("w");
        Assert.Equal(3, t.Rows);
        Assert.Equal(8, t.Columns);
    }

    [Fact]
    public void Writer_stores_ne_innermost_first()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter();
        w.AddTensor("w", DType.F32, [3, 8], new byte[3 * 8 * 4]);
        string path = dir.File("w.gguf");
        w.WriteTo(path);
        byte[] expected = GgufBytes.Header(1, 0).TensorInfo("w", [8, 3], 0, 0).PadTo(32).Zeros(96).ToArray();
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Custom_alignment_is_written_and_honoured()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter(alignment: 64);
        w.AddTensor("a", DType.F32, [3], new byte[12]);
        w.AddTensor("b", DType.F16, [5], LoadAssert.RandomBytes(10, 3));
        string path = dir.File("align.gguf");
        w.WriteTo(path);

        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(64, f.GetInteger("general.alignment"));
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal(64, f.Tensors[1].Offset);
        Assert.True(f.GetTensor("b").Bytes.SequenceEqual(LoadAssert.RandomBytes(10, 3)));
    }

    [Fact]
    public void Default_alignment_is_not_written()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter();
        w.AddTensor("a", DType.F32, [3], new byte[12]);
        string path = dir.File("default.gguf");
        w.WriteTo(path);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(32, f.Alignment);
        Assert.False(f.ContainsKey("general.alignment"));
    }

    [Fact]
    public void Version_2_files_are_read()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter();
        w.AddString("k", "v");
        string path = dir.File("v2.gguf");
        w.WriteTo(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[4] = 2;
        File.WriteAllBytes(path, bytes);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(2u, f.Version);
        Assert.Equal("v", f.GetString("k"));
    }

    [Fact]
    public void File_with_no_metadata_and_no_tensors_opens()
    {
        using var dir = new TempFolder();
        string path = dir.Write("bare.gguf", GgufBytes.Header(0, 0).ToArray());
        using GgufFile f = GgufFile.Open(path);
        Assert.Empty(f.Metadata);
        Assert.Empty(f.Tensors);
    }

    [Fact]
    public void Known_ggml_type_without_a_dtype_opens_but_cannot_be_used()
    {
        using var dir = new TempFolder();
        var w = new GgufWriter();
        w.AddTensor("q5", 13, [2, 256], new byte[2 * 176]); // q5_k
        w.AddTensor("ok", DType.F32, [4], new byte[16]);
        string path = dir.File("q5k.gguf");
        w.WriteTo(path);

        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(13, f.Tensors[0].GgmlType);
        Assert.Equal(2 * 176, f.Tensors[0].ByteLength);
        LoadAssert.Fails(() => f.GetTensor("q5"), path, "'q5'", "13", "q5_k");
        Assert.Equal(2 * 176, f.GetTensorBytes("q5").Length);
        Assert.Equal(DType.F32, f.GetTensor("ok").Type);
    }

    [Fact]
    public void Writer_refuses_inconsistent_tensors()
    {
        var w = new GgufWriter();
        Assert.Throws<ArgumentException>(() => w.AddTensor("short", DType.F32, [4], new byte[15]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("partial-block", DType.Q8_0, [33], new byte[34 * 2]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("zero", DType.F32, [0, 4], Array.Empty<byte>()));
        Assert.Throws<ArgumentException>(() => w.AddTensor("five-d", DType.F32, [1, 1, 1, 1, 1], new byte[4]));
        Assert.Throws<ArgumentException>(() => w.AddTensor(new string('n', 64), DType.F32, [1], new byte[4]));
        w.AddTensor("x", DType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.AddTensor("x", DType.F32, [1], new byte[4]));
        w.AddString("k", "v");
        Assert.Throws<ArgumentException>(() => w.AddString("k", "again"));
        Assert.Throws<ArgumentException>(() => w.AddUInt32("general.alignment", 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GgufWriter(alignment: 48));
        Assert.Throws<ArgumentException>(() => GgufValue.FromScalar(GgufValueType.UInt32, 5));
        Assert.Throws<ArgumentException>(() => GgufValue.FromArray(GgufValueType.Int32, new uint[1]));
    }

    [Fact]
    public void Large_vocabulary_opens_quickly()
    {
        using var dir = new TempFolder();
        const int n = 200_000;
        string[] tokens = Enumerable.Range(0, n).Select(i => "tok" + i).ToArray();
        float[] scores = Enumerable.Range(0, n).Select(i => -(float)i).ToArray();
        var w = new GgufWriter();
        w.AddStringArray("tokenizer.ggml.tokens", tokens);
        w.AddFloat32Array("tokenizer.ggml.scores", scores);
        string path = dir.File("vocab.gguf");
        w.WriteTo(path);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using GgufFile f = GgufFile.Open(path);
        clock.Stop();
        Assert.Equal(tokens, f.GetStringArray("tokenizer.ggml.tokens"));
        Assert.Equal(scores, f.GetFloatArray("tokenizer.ggml.scores"));
        Assert.True(clock.ElapsedMilliseconds < 2000, $"took {clock.ElapsedMilliseconds} ms");
    }
}
