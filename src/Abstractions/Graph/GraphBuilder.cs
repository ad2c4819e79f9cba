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

    /// <summary><see cref="OpKind.HeadMatMul"/>: per head, x's K values times the head's N rows of w transposed.</summary>
    public GraphTensor HeadMatMul(GraphTensor x, GraphTensor w, int heads, string? name = null)
    {
        Require(w.Role == TensorRole.Weight, "HeadMatMul", $"'{w.Name}' must be a weight");
        Require(heads > 0 && x.Columns == heads * w.Columns, "HeadMatMul", $"x has {x.Columns} columns, expected {heads} heads x {w.Columns} (the columns of '{w.Name}')");
        Require(w.FixedRows % heads == 0, "HeadMatMul", $"'{w.Name}' has {w.FixedRows} rows, not a multiple of {heads} heads");
        return Node(OpKind.HeadMatMul, [x, w], name ?? w.Name, x.RowSpace, w.FixedRows, new HeadMatMulParams(heads));
    }

    /// <summary><see cref="OpKind.SliceColumns"/>: columns offset..offset+width of each of <paramref name="heads"/> heads.</summary>
    public GraphTensor SliceColumns(GraphTensor x, int heads, int offset, int width, string? name = null)
    {
        Require(x.Role == TensorRole.Activation, "SliceColumns", "x must be an activation");
        Require(heads > 0 && x.Columns % heads == 0, "SliceColumns", $"{x.Columns} columns do not split into {heads} heads");
        long headWidth = x.Columns / heads;
        Require(offset >= 0 && width > 0 && offset + width <= headWidth, "SliceColumns", $"columns {offset}..{offset + width} are outside a head of {headWidth}");
        return Node(OpKind.SliceColumns, [x], name ?? "slice", x.RowSpace, (long)heads * width, new ColumnSliceParams(heads, offset, width));
    }

    /// <summary><see cref="OpKind.ConcatColumns"/>: each head's columns of <paramref name="a"/>, then of <paramref name="b"/>.</summary>
    public GraphTensor ConcatColumns(GraphTensor a, GraphTensor b, int heads, string? name = null)
    {
        Require(a.Role == TensorRole.Activation && b.Role == TensorRole.Activation, "ConcatColumns", "both inputs must be activations");
        Require(a.RowSpace == b.RowSpace && a.FixedRows == b.FixedRows, "ConcatColumns", $"row counts differ: {a} vs {b}");
        Require(heads > 0 && a.Columns % heads == 0 && b.Columns % heads == 0, "ConcatColumns", $"{a.Columns} and {b.Columns} columns do not both split into {heads} heads");
        return Node(OpKind.ConcatColumns, [a, b], name ?? "concat", a.RowSpace, a.Columns + b.Columns, new ConcatColumnsParams(heads));
    }

    /// <summary><see cref="OpKind.LatentAttention"/>.</summary>
    public GraphTensor LatentAttention(GraphTensor q, GraphTensor latent, GraphTensor ropeKey, LatentAttentionParams parameters, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Require(q.RowSpace == RowSpace.Tokens && latent.RowSpace == RowSpace.Tokens && ropeKey.RowSpace == RowSpace.Tokens, "LatentAttention", "q, latent and rope key must have one row per token");
        Require(parameters.HeadCount > 0 && parameters.LatentDim > 0 && parameters.RopeDim > 0, "LatentAttention", "heads, latent and rope widths must be positive");
        Require(q.Columns == (long)parameters.HeadCount * (parameters.LatentDim + parameters.RopeDim), "LatentAttention", $"q has {q.Columns} columns, expected {parameters.HeadCount}x({parameters.LatentDim}+{parameters.RopeDim})");
        Require(latent.Columns == parameters.LatentDim, "LatentAttention", $"latent has {latent.Columns} columns, expected {parameters.LatentDim}");
        Require(ropeKey.Columns == parameters.RopeDim, "LatentAttention", $"rope key has {ropeKey.Columns} columns, expected {parameters.RopeDim}");
        return Node(OpKind.LatentAttention, [q, latent, ropeKey], name ?? $"mla.{parameters.Layer}", RowSpace.Tokens, (long)parameters.HeadCount * parameters.LatentDim, parameters);
    }

    /// <summary><see cref="OpKind.MoeRoute"/>; <paramref name="bias"/> may be null.</summary>
    public GraphTensor MoeRoute(GraphTensor logits, GraphTensor? bias, MoeRouteParams parameters, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int e = parameters.ExpertCount;
        Require(logits.RowSpace == RowSpace.Tokens && logits.Columns == e, "MoeRoute", $"logits must be [tokens, {e}], got {logits}");
        Require(bias is null || (bias.Columns == e && bias.RowSpace == RowSpace.Fixed && bias.FixedRows == 1), "MoeRoute", $"bias must be [1, {e}], got {bias}");
        Require(parameters.ExpertsPerToken > 0 && parameters.ExpertsPerToken <= e, "MoeRoute", $"{parameters.ExpertsPerToken} experts per token out of {e}");
        Require(parameters.GroupCount > 0 && e % parameters.GroupCount == 0, "MoeRoute", $"{parameters.GroupCount} groups do not divide {e} experts");
        Require(parameters.GroupsUsed > 0 && parameters.GroupsUsed <= parameters.GroupCount, "MoeRoute", $"{parameters.GroupsUsed} groups used out of {parameters.GroupCount}");
        Require((long)parameters.GroupsUsed * (e / parameters.GroupCount) >= parameters.ExpertsPerToken, "MoeRoute", $"{parameters.GroupsUsed} groups of {e / parameters.GroupCount} experts cannot hold {parameters.ExpertsPerToken} choices");
        Require(parameters.MoeLayer >= 0, "MoeRoute", "the MoE layer index must not be negative");
        GraphTensor[] inputs = bias is null ? [logits] : [logits, bias];
        return Node(OpKind.MoeRoute, inputs, name ?? $"moe_route.{parameters.MoeLayer}", RowSpace.Tokens, 2L * parameters.ExpertsPerToken, parameters);
    }

    /// <summary><see cref="OpKind.ExpertMatMul"/>.</summary>
    public GraphTensor ExpertMatMul(GraphTensor x, GraphTensor routes, GraphTensor w, ExpertMatMulParams parameters, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int s = parameters.ExpertsPerToken;
        Require(w.Role == TensorRole.Weight, "ExpertMatMul", $"'{w.Name}' must be a weight");
        Require(parameters.ExpertCount > 0 && w.FixedRows % parameters.ExpertCount == 0, "ExpertMatMul", $"'{w.Name}' has {w.FixedRows} rows, not a multiple of {parameters.ExpertCount} experts");
        Require(routes.RowSpace == RowSpace.Tokens && routes.Columns == 2L * s, "ExpertMatMul", $"routes must be [tokens, {2 * s}], got {routes}");
        Require(x.RowSpace == RowSpace.Tokens && (x.Columns == w.Columns || x.Columns == s * w.Columns), "ExpertMatMul", $"x has {x.Columns} columns, expected {w.Columns} or {s}x{w.Columns}");
        return Node(OpKind.ExpertMatMul, [x, routes, w], name ?? w.Name, RowSpace.Tokens, s * (w.FixedRows / parameters.ExpertCount), parameters);
    }

    /// <summary><see cref="OpKind.MoeCombine"/>.</summary>
    public GraphTensor MoeCombine(GraphTensor y, GraphTensor routes, int expertsPerToken, string? name = null)
    {
        Require(expertsPerToken > 0 && routes.RowSpace == RowSpace.Tokens && routes.Columns == 2L * expertsPerToken, "MoeCombine", $"routes must be [tokens, {2 * expertsPerToken}], got {routes}");
        Require(y.RowSpace == RowSpace.Tokens && y.Columns % expertsPerToken == 0, "MoeCombine", $"y has {y.Columns} columns, not a multiple of {expertsPerToken} slots");
        return Node(OpKind.MoeCombine, [y, routes], name ?? "moe_combine", RowSpace.Tokens, y.Columns / expertsPerToken, new MoeCombineParams(expertsPerToken));
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
