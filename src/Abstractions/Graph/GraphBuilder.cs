using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// Builds a <see cref="ComputeGraph"/> op by op, checking shapes as it goes so a model family gets an error at
/// build time, naming the op, rather than wrong numbers at run time.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<GraphTensor> _tensors = [];
    private readonly List<GraphNode> _nodes = [];
    private readonly Dictionary<WeightTensor, GraphTensor> _weights = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a builder with the two step inputs defined.</summary>
    public GraphBuilder()
    {
        TokenIds = Add("token_ids", TensorRole.TokenIds, DType.I32, RowSpace.Tokens, 0, 1, null);
        Positions = Add("positions", TensorRole.Positions, DType.I32, RowSpace.Tokens, 0, 1, null);
    }

    /// <summary>The step's token ids.</summary>
    public GraphTensor TokenIds { get; }

    /// <summary>The step's positions.</summary>
    public GraphTensor Positions { get; }

    /// <summary>Binds a weight (2-D, or 1-D as one row). Binding the same weight twice returns the same tensor.</summary>
    public GraphTensor Weight(WeightTensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!_weights.TryGetValue(weight, out GraphTensor? t))
        {
            t = Add(weight.Name, TensorRole.Weight, weight.Type, RowSpace.Fixed, weight.Rows, weight.Columns, weight);
            _weights.Add(weight, t);
        }

        return t;
    }

    /// <summary><see cref="OpKind.GetRows"/>.</summary>
    public GraphTensor GetRows(GraphTensor table, GraphTensor ids, string? name = null)
    {
        Require(table.Role == TensorRole.Weight, "GetRows", "table must be a weight");
        Require(ids.Type == DType.I32, "GetRows", "ids must be I32");
        return Node(OpKind.GetRows, [table, ids], name ?? "embd", ids.RowSpace, table.Columns, null);
    }

    /// <summary><see cref="OpKind.MatMul"/>: x [R, K] times w [N, K] transposed.</summary>
    public GraphTensor MatMul(GraphTensor x, GraphTensor w, string? name = null)
    {
        Require(w.Role == TensorRole.Weight, "MatMul", $"'{w.Name}' must be a weight");
        Require(x.Columns == w.Columns, "MatMul", $"x has {x.Columns} columns but '{w.Name}' has {w.Columns}");
        return Node(OpKind.MatMul, [x, w], name ?? w.Name, x.RowSpace, w.FixedRows, null);
    }

    /// <summary><see cref="OpKind.RmsNorm"/>.</summary>
    public GraphTensor RmsNorm(GraphTensor x, GraphTensor weight, float epsilon, string? name = null)
    {
        Require(weight.Columns == x.Columns && weight.FixedRows == 1, "RmsNorm", $"weight '{weight.Name}' must be [1, {x.Columns}]");
        return Node(OpKind.RmsNorm, [x, weight], name ?? "norm", x.RowSpace, x.Columns, new RmsNormParams(epsilon));
    }

    /// <summary><see cref="OpKind.Add"/>.</summary>
    public GraphTensor Add(GraphTensor a, GraphTensor b, string? name = null) => Binary(OpKind.Add, a, b, name ?? "add");

    /// <summary><see cref="OpKind.Mul"/>.</summary>
    public GraphTensor Mul(GraphTensor a, GraphTensor b, string? name = null) => Binary(OpKind.Mul, a, b, name ?? "mul");

    /// <summary><see cref="OpKind.SwiGlu"/>.</summary>
    public GraphTensor SwiGlu(GraphTensor gate, GraphTensor up, string? name = null) => Binary(OpKind.SwiGlu, gate, up, name ?? "swiglu");

    /// <summary><see cref="OpKind.Silu"/>.</summary>
    public GraphTensor Silu(GraphTensor x, string? name = null) => Node(OpKind.Silu, [x], name ?? "silu", x.RowSpace, x.Columns, null);

    /// <summary><see cref="OpKind.Softmax"/>.</summary>
    public GraphTensor Softmax(GraphTensor x, string? name = null) => Node(OpKind.Softmax, [x], name ?? "softmax", x.RowSpace, x.Columns, null);

    /// <summary><see cref="OpKind.Scale"/>.</summary>
    public GraphTensor Scale(GraphTensor x, float factor, string? name = null) => Node(OpKind.Scale, [x], name ?? "scale", x.RowSpace, x.Columns, new ScaleParams(factor));

    /// <summary><see cref="OpKind.Rope"/>.</summary>
    public GraphTensor Rope(GraphTensor x, RopeParams parameters, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Require(x.RowSpace == RowSpace.Tokens, "Rope", "x must have one row per token");
        Require((long)parameters.HeadCount * parameters.HeadDim == x.Columns, "Rope", $"{parameters.HeadCount} heads x {parameters.HeadDim} != {x.Columns} columns");
        Require(parameters.RotaryDim % 2 == 0 && parameters.RotaryDim <= parameters.HeadDim && parameters.RotaryDim > 0, "Rope", $"rotary dim {parameters.RotaryDim} must be even, positive and at most the head dim {parameters.HeadDim}");
        Require(parameters.InverseFrequencies.Length == parameters.RotaryDim / 2, "Rope", $"needs {parameters.RotaryDim / 2} inverse frequencies, got {parameters.InverseFrequencies.Length}");
        return Node(OpKind.Rope, [x, Positions], name ?? "rope", x.RowSpace, x.Columns, parameters);
    }

    /// <summary><see cref="OpKind.Attention"/>.</summary>
    public GraphTensor Attention(GraphTensor q, GraphTensor k, GraphTensor v, AttentionParams parameters, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Require(q.RowSpace == RowSpace.Tokens && k.RowSpace == RowSpace.Tokens && v.RowSpace == RowSpace.Tokens, "Attention", "q, k and v must have one row per token");
        Require(parameters.KvHeadCount > 0 && parameters.HeadCount % parameters.KvHeadCount == 0, "Attention", $"{parameters.HeadCount} query heads are not a multiple of {parameters.KvHeadCount} KV heads");
        Require(q.Columns == (long)parameters.HeadCount * parameters.KeyDim, "Attention", $"q has {q.Columns} columns, expected {parameters.HeadCount}x{parameters.KeyDim}");
        Require(k.Columns == (long)parameters.KvHeadCount * parameters.KeyDim, "Attention", $"k has {k.Columns} columns, expected {parameters.KvHeadCount}x{parameters.KeyDim}");
        Require(v.Columns == (long)parameters.KvHeadCount * parameters.ValueDim, "Attention", $"v has {v.Columns} columns, expected {parameters.KvHeadCount}x{parameters.ValueDim}");
        return Node(OpKind.Attention, [q, k, v], name ?? $"attn.{parameters.Layer}", RowSpace.Tokens, (long)parameters.HeadCount * parameters.ValueDim, parameters);
    }

    /// <summary><see cref="OpKind.SelectOutputRows"/>.</summary>
    public GraphTensor SelectOutputRows(GraphTensor x, string? name = null)
    {
        Require(x.RowSpace == RowSpace.Tokens, "SelectOutputRows", "x must have one row per token");
        return Node(OpKind.SelectOutputRows, [x], name ?? "output_rows", RowSpace.Outputs, x.Columns, null);
    }

    /// <summary>Finishes the graph with <paramref name="logits"/> ([O, vocab]) as its result.</summary>
    public ComputeGraph Build(GraphTensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        Require(logits.RowSpace == RowSpace.Outputs, "Build", "logits must have one row per output (use SelectOutputRows)");
        return new ComputeGraph(_tensors.ToArray(), _nodes.ToArray(), TokenIds, Positions, logits);
    }

    private GraphTensor Binary(OpKind op, GraphTensor a, GraphTensor b, string name)
    {
        Require(a.Columns == b.Columns && a.RowSpace == b.RowSpace && a.FixedRows == b.FixedRows, op.ToString(), $"shapes differ: {a} vs {b}");
        return Node(op, [a, b], name, a.RowSpace, a.Columns, null);
    }

    private GraphTensor Node(OpKind op, GraphTensor[] inputs, string name, RowSpace rows, long columns, OpParams? parameters)
    {
        foreach (GraphTensor input in inputs)
        {
            Require(input.Id < _tensors.Count && ReferenceEquals(_tensors[input.Id], input), op.ToString(), $"'{input.Name}' belongs to another graph");
        }

        GraphTensor output = Add(name, TensorRole.Activation, DType.F32, rows, 0, columns, null);
        _nodes.Add(new GraphNode(_nodes.Count, op, inputs, output, parameters));
        return output;
    }

    private GraphTensor Add(string name, TensorRole role, DType type, RowSpace rows, long fixedRows, long columns, WeightTensor? weight)
    {
        var t = new GraphTensor(_tensors.Count, name, role, type, rows, fixedRows, columns, weight);
        _tensors.Add(t);
        return t;
    }

    private static void Require(bool condition, string op, string message)
    {
        if (!condition)
        {
            throw new GraphBuildException($"{op}: {message}");
        }
    }
}
