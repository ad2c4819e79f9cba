using System.CommandLine;
using LlmFramework.Training.Model;

namespace LlmFramework.Tools.Train;

/// <summary>The model-shape flags of train and distill (defaults differ per verb).</summary>
internal sealed class ShapeFlags
{
    public ShapeFlags(int dim, int layers, int heads, int ffn)
    {
        Dim = new Option<int>("--dim") { Description = "Hidden size", DefaultValueFactory = _ => dim };
        Layers = new Option<int>("--layers") { Description = "Decoder layers", DefaultValueFactory = _ => layers };
        Heads = new Option<int>("--heads") { Description = "Attention heads", DefaultValueFactory = _ => heads };
        KvHeads = new Option<int>("--kv-heads") { Description = "Key/value heads (0 = heads)", DefaultValueFactory = _ => 0 };
        FeedForward = new Option<int>("--ffn") { Description = "Feed-forward width", DefaultValueFactory = _ => ffn };
        Untied = new Option<bool>("--untied") { Description = "A separate output projection instead of the tied embedding" };
    }

    public Option<int> Dim { get; }

    public Option<int> Layers { get; }

    public Option<int> Heads { get; }

    public Option<int> KvHeads { get; }

    public Option<int> FeedForward { get; }

    public Option<bool> Untied { get; }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Dim, Layers, Heads, KvHeads, FeedForward, Untied })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The shape given on the command line (vocabulary, context and RoPE come from elsewhere).</summary>
    public LlamaTrainingConfig Config(ParseResult parse)
    {
        int heads = parse.GetValue(Heads);
        return new LlamaTrainingConfig
        {
            Dim = parse.GetValue(Dim),
            Layers = parse.GetValue(Layers),
            Heads = heads,
            KvHeads = parse.GetValue(KvHeads) is int kv and > 0 ? kv : heads,
            FeedForward = parse.GetValue(FeedForward),
            TiedEmbeddings = !parse.GetValue(Untied),
        };
    }
}
