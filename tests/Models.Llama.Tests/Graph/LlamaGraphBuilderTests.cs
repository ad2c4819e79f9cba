using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Models.Llama.Graph;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Graph;

public sealed class LlamaGraphBuilderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Graph_has_fifteen_nodes_per_layer_and_ends_with_output_rows_norm_and_head(bool tied)
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(tied: tied), CheckpointFormat.Gguf, "m.gguf");
        using ModelParts parts = ModelParts.OpenGguf(path);
        ComputeGraph g = parts.BuildGraph();

        Assert.Equal(1 + (15 * 2) + 3, g.Nodes.Count);
        Assert.Equal(OpKind.GetRows, g.Nodes[0].Op);
        Assert.Equal(
            [OpKind.RmsNorm, OpKind.MatMul, OpKind.MatMul, OpKind.MatMul, OpKind.Rope, OpKind.Rope, OpKind.Attention, OpKind.MatMul, OpKind.Add,
             OpKind.RmsNorm, OpKind.MatMul, OpKind.MatMul, OpKind.SwiGlu, OpKind.MatMul, OpKind.Add],
            g.Nodes.Skip(1).Take(15).Select(n => n.Op));
        Assert.Equal([OpKind.SelectOutputRows, OpKind.RmsNorm, OpKind.MatMul], g.Nodes.TakeLast(3).Select(n => n.Op));

        Assert.Same(g.Logits, g.Nodes[^1].Output);
        Assert.Equal(RowSpace.Outputs, g.Logits.RowSpace);
        Assert.Equal(300, g.Logits.Columns);
        GraphTensor table = g.Nodes[0].Inputs[0];
        GraphTensor head = g.Nodes[^1].Inputs[1];
        Assert.Equal(tied, ReferenceEquals(table, head));
        Assert.Equal(tied ? "token_embd.weight" : "output.weight", head.Name);
    }

    [Fact]
    public void Attention_and_rope_params_follow_the_config()
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(kvHeads: 1), CheckpointFormat.Gguf, "m.gguf");
        using ModelParts parts = ModelParts.OpenGguf(path);
        ComputeGraph g = parts.BuildGraph();

        AttentionParams[] attention = g.Nodes.Where(n => n.Op == OpKind.Attention).Select(n => n.GetParams<AttentionParams>()).ToArray();
        Assert.Equal([0, 1], attention.Select(a => a.Layer));
        Assert.All(attention, a => Assert.Equal(new AttentionParams(a.Layer, 4, 1, 16, 16, 0.25f), a));

        RopeParams[] rope = g.Nodes.Where(n => n.Op == OpKind.Rope).Select(n => n.GetParams<RopeParams>()).ToArray();
        Assert.Equal(4, rope.Length);
        Assert.Equal([4, 1, 4, 1], rope.Select(r => r.HeadCount));
        Assert.All(rope, r => Assert.Equal((16, 16, RopeStyle.Interleaved, 8, 1f), (r.HeadDim, r.RotaryDim, r.Style, r.InverseFrequencies.Length, r.AttentionFactor)));

        GraphNode q = g.Nodes[2];
        Assert.Equal((RowSpace.Tokens, 64L), (q.Output.RowSpace, q.Output.Columns));
        Assert.Equal(16L, g.Nodes[3].Output.Columns);   // k: 1 KV head x 16
        Assert.Equal(96L, g.Nodes[11].Output.Columns);  // gate: ffn
    }

    [Fact]
    public void Hugging_face_checkpoints_use_neox_rope()
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        using ModelParts parts = ModelParts.OpenFolder(path);
        ComputeGraph g = parts.BuildGraph();
        Assert.All(g.Nodes.Where(n => n.Op == OpKind.Rope), n => Assert.Equal(RopeStyle.NeoX, n.GetParams<RopeParams>().Style));
        Assert.Equal("model.embed_tokens.weight", g.Nodes[0].Inputs[0].Name);
    }

    [Fact]
    public void Cache_layout_has_keys_and_values_per_layer()
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        using ModelParts parts = ModelParts.OpenGguf(path);
        var layout = LlamaGraphBuilder.CacheLayout(parts.Config, 100);
        Assert.Equal(2, layout.LayerCount);
        Assert.Equal([32, 32], layout.StreamWidths);
        Assert.Equal(100, layout.MaxContextLength);
    }
}
