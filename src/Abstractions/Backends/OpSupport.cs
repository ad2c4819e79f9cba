namespace LlmFramework.Abstractions.Backends;

/// <summary>A backend's answer to "can you run this node?", with the reason when not (the engine logs it).</summary>
/// <param name="IsSupported">Whether the backend can run the node.</param>
/// <param name="Reason">Why not, when <paramref name="IsSupported"/> is false.</param>
public readonly record struct OpSupport(bool IsSupported, string? Reason)
{
    /// <summary>The node is supported.</summary>
    public static OpSupport Yes => new(true, null);

    /// <summary>The node is not supported, because <paramref name="reason"/>.</summary>
    public static OpSupport No(string reason) => new(false, reason);
}
