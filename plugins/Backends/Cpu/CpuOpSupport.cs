using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Backends.Cpu;

/// <summary>
/// What <see cref="CpuBackend.Supports"/> answers: every op of contract version 1.2 with every weight dtype; only
/// malformed nodes (missing params, an unbound or I32 weight, an operand the kernel cannot read) are declined, each
/// with the reason.
/// </summary>
internal static class CpuOpSupport
{
    public static OpSupport Of(GraphNode node) => Refusal(node) is { } reason ? OpSupport.No(reason) : OpSupport.Yes;

    private static string? Refusal(GraphNode node) => node.Op switch
    {
        OpKind.GetRows => node.Inputs[0].Type == DType.I32 ? "GetRows of an I32 table is not defined" : null,
        OpKind.MatMul => BoundWeight(node, 1),
        OpKind.RmsNorm => MissingParams<RmsNormParams>(node),
        OpKind.Scale => MissingParams<ScaleParams>(node),
        OpKind.Rope => MissingParams<RopeParams>(node),
        OpKind.Attention => MissingParams<AttentionParams>(node),
        OpKind.Add or OpKind.Mul or OpKind.Silu or OpKind.SwiGlu or OpKind.Softmax or OpKind.SelectOutputRows => null,
        OpKind.HeadMatMul => MissingParams<HeadMatMulParams>(node) ?? BoundWeight(node, 1) ?? HeadsFit(node),
        OpKind.SliceColumns => MissingParams<ColumnSliceParams>(node) ?? Activations(node, 0),
        OpKind.ConcatColumns => MissingParams<ConcatColumnsParams>(node) ?? Activations(node, 0, 1),
        OpKind.LatentAttention => MissingParams<LatentAttentionParams>(node) ?? Activations(node, 0, 1, 2),
        OpKind.MoeRoute => MissingParams<MoeRouteParams>(node) ?? Activations(node, 0) ?? (node.Inputs.Count > 1 && node.Inputs[1].Type == DType.I32 ? "MoeRoute with an I32 bias is not defined" : null),
        OpKind.ExpertMatMul => MissingParams<ExpertMatMulParams>(node) ?? Activations(node, 1) ?? BoundWeight(node, 2) ?? ExpertsFit(node),
        OpKind.MoeCombine => MissingParams<MoeCombineParams>(node) ?? Activations(node, 0, 1),
        _ => $"op {node.Op} is not part of contract version 1.2",
    };

    private static string? MissingParams<T>(GraphNode node)
        where T : OpParams
        => node.Params is T ? null : $"{node.Op} needs {typeof(T).Name}";

    /// <summary>Input <paramref name="input"/> must be a bound weight of a defined dtype.</summary>
    private static string? BoundWeight(GraphNode node, int input)
    {
        GraphTensor w = node.Inputs[input];
        if (w.Weight is null)
        {
            return $"{node.Op} needs a bound weight as input {input}; '{w.Name}' is not one";
        }

        return w.Type == DType.I32 ? $"{node.Op} of I32 weights is not defined" : null;
    }

    /// <summary>The named inputs must be F32 activations (the kernels read them from the context, not as weights).</summary>
    private static string? Activations(GraphNode node, params int[] inputs)
    {
        foreach (int i in inputs)
        {
            if (node.Inputs[i].Role != TensorRole.Activation)
            {
                return $"{node.Op} takes an activation as input {i}; '{node.Inputs[i].Name}' is a {node.Inputs[i].Role}";
            }
        }

        return null;
    }

    private static string? HeadsFit(GraphNode node)
    {
        int heads = node.GetParams<HeadMatMulParams>().HeadCount;
        WeightTensor w = node.Inputs[1].Weight!;
        return heads > 0 && w.Rows % heads == 0 && node.Inputs[0].Columns == heads * w.Columns
            ? null
            : $"HeadMatMul: {heads} heads do not split x of {node.Inputs[0].Columns} columns and '{w.Name}' [{w.Rows}, {w.Columns}]";
    }

    private static string? ExpertsFit(GraphNode node)
    {
        ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
        WeightTensor w = node.Inputs[2].Weight!;
        return p.ExpertCount > 0 && w.Rows % p.ExpertCount == 0
            ? null
            : $"ExpertMatMul: '{w.Name}' has {w.Rows} rows, not {p.ExpertCount} experts of equal size";
    }
}
