using System.Text.Json;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;

namespace LlmFramework.Formats.Tests.Safetensors;

public sealed class SafetensorsCheckpointTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Single_model_safetensors()
    {
        WriteShard("model.safetensors", ("a", 1), ("b", 2));
        WriteShard("other.safetensors", ("ignored", 3));
        using SafetensorsCheckpoint c = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.Equal(["a", "b"], c.TensorNames.Order());
        Assert.Equal(2, c.GetTensor("b").Columns);
        Assert.Equal(8, c.GetBytes("b").Length);
        Assert.Equal("F32", c.GetInfo("a").DType);
        Assert.False(c.Contains("ignored"));
    }

    [Fact]
    public void Single_file_with_another_name()
    {
        WriteShard("pytorch_model.safetensors", ("x", 3));
        using SafetensorsCheckpoint c = SafetensorsCheckpoint.Open(_dir.Path);
        Assert.True(c.Contains("x"));
    }

    [Fact]
    public void Sharded_checkpoint_round_trips()
    {
        var first = new SafetensorsWriter();
        first.Add("model.embed_tokens.weight", DType.BF16, [3, 2], LoadAssert.RandomBytes(12, 1));
        first.Add("model.layers.0.mlp.up_proj.weight", DType.F16, [2, 2], LoadAssert.RandomBytes(8, 2));
        var second = new SafetensorsWriter();
        second.Add("lm_head.weight", DType.F32, [3, 2], LoadAssert.RandomBytes(24, 3));
        var third = new SafetensorsWriter();
        third.Add("model.norm.weight", DType.F32, [2], LoadAssert.RandomBytes(8, 4));
        SafetensorsWriter.WriteSharded([first, second, third], _dir.Path);

        Assert.True(File.Exists(_dir.File("model-00001-of-00003.safetensors")));
        Assert.True(File.Exists(_dir.File("model-00003-of-00003.safetensors")));
        using (JsonDocument index = JsonDocument.Parse(File.ReadAllText(_dir.File("model.safetensors.index.json"))))
        {
            Assert.Equal(52, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            Assert.Equal("model-00002-of-00003.safetensors", index.RootElement.GetProperty("weight_map").GetProperty("lm_head.weight").GetString());
        }

        using SafetensorsCheckpoint c = SafetensorsCheckpoint.Open(_dir.Path + Path.DirectorySeparatorChar);
        Assert.Equal(4, c.TensorNames.Count);
        Assert.Equal(3, c.Files.Count);
        Assert.Equal(DType.BF16, c.GetTensor("model.embed_tokens.weight").Type);
        Assert.True(c.GetTensor("lm_head.weight").Bytes.SequenceEqual(LoadAssert.RandomBytes(24, 3)));
        Assert.True(c.GetBytes("model.norm.weight").SequenceEqual(LoadAssert.RandomBytes(8, 4)));
        LoadAssert.Fails(() => c.GetTensor("nope"), _dir.Path, "'nope'");
    }

    [Fact]
    public void Missing_shard()
    {
        WriteShard("model-00001-of-00002.safetensors", ("a", 1));
        WriteIndex(("a", "model-00001-of-00002.safetensors"), ("b", "model-00002-of-00002.safetensors"));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "model.safetensors.index.json", "model-00002-of-00002.safetensors", "missing");
    }

    [Fact]
    public void Tensor_mapped_to_a_shard_that_lacks_it()
    {
        WriteShard("s1.safetensors", ("a", 1));
        WriteShard("s2.safetensors", ("b", 1));
        WriteIndex(("a", "s1.safetensors"), ("b", "s1.safetensors"), ("c", "s2.safetensors"));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "model.safetensors.index.json", "'b'", "s1.safetensors", "lacks");
    }

    [Fact]
    public void Duplicate_tensor_across_shards()
    {
        WriteShard("s1.safetensors", ("a", 1), ("shared", 2));
        WriteShard("s2.safetensors", ("b", 1), ("shared", 2));
        WriteIndex(("a", "s1.safetensors"), ("b", "s2.safetensors"), ("shared", "s1.safetensors"));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), _dir.Path, "duplicate", "'shared'", "s1.safetensors", "s2.safetensors");
    }

    [Fact]
    public void Index_without_weight_map()
    {
        File.WriteAllText(_dir.File("model.safetensors.index.json"), "{\"metadata\": {}}");
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "model.safetensors.index.json", "weight_map");
    }

    [Fact]
    public void Index_that_is_not_json()
    {
        File.WriteAllText(_dir.File("model.safetensors.index.json"), "{\"weight_map\": ");
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "model.safetensors.index.json", "JSON");
    }

    [Fact]
    public void Index_pointing_outside_the_folder()
    {
        WriteIndex(("a", "../elsewhere.safetensors"));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "model.safetensors.index.json", "outside");
    }

    [Fact]
    public void Bad_shard_names_the_shard()
    {
        File.WriteAllBytes(_dir.File("s1.safetensors"), [1, 2, 3]);
        WriteIndex(("a", "s1.safetensors"));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), "s1.safetensors", "shorter");
    }

    [Fact]
    public void Several_files_without_an_index()
    {
        WriteShard("a.safetensors", ("a", 1));
        WriteShard("b.safetensors", ("b", 1));
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), _dir.Path, "a.safetensors", "b.safetensors", "index");
    }

    [Fact]
    public void No_weights_at_all()
    {
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(_dir.Path), _dir.Path, "no model.safetensors");
    }

    [Fact]
    public void Missing_folder()
    {
        string path = _dir.File("absent");
        LoadAssert.Fails(() => SafetensorsCheckpoint.Open(path), path, "no such folder");
    }

    [Fact]
    public void Writer_refuses_a_tensor_in_two_shards()
    {
        var a = new SafetensorsWriter();
        a.Add("x", DType.F32, [1], new byte[4]);
        var b = new SafetensorsWriter();
        b.Add("x", DType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.WriteSharded([a, b], _dir.Path));
    }

    private void WriteShard(string name, params (string Tensor, int Length)[] tensors)
    {
        var w = new SafetensorsWriter();
        foreach ((string tensor, int length) in tensors)
        {
            w.Add(tensor, DType.F32, [length], new byte[4 * length]);
        }

        w.WriteTo(_dir.File(name));
    }

    private void WriteIndex(params (string Tensor, string File)[] map)
    {
        string entries = string.Join(", ", map.Select(m => $"\"{m.Tensor}\": \"{m.File}\""));
        File.WriteAllText(_dir.File("model.safetensors.index.json"), $"{{\"metadata\": {{\"total_size\": 0}}, \"weight_map\": {{{entries}}}}}");
    }
}
