using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>The scalar reference of <see cref="OpKind.MoeRoute"/> for one token, for model-level references in tests.</summary>
public static class ReferenceRouting
{
    /// <summary>The experts <paramref name="logits"/> choose (best first) and their weights, under <paramref name="parameters"/>.</summary>
    public static (int[] Experts, float[] Weights) Route(MoeRouteParams parameters, ReadOnlySpan<float> logits, float[]? bias)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RouteChoice choice = ReferenceMoe.Choose(parameters, logits, bias is { Length: > 0 } ? bias : null);
        return (choice.Experts, [.. choice.Weights.Select(w => (float)w)]);
    }
}
