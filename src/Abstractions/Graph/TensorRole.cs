namespace LlmFramework.Abstractions.Graph;

/// <summary>What a graph tensor holds.</summary>
public enum TensorRole
{
    /// <summary>Token ids of the step (I32, one per token).</summary>
    TokenIds = 0,
    /// <summary>Positions of the step's tokens within their sequences (I32, one per token).</summary>
    Positions = 1,
    /// <summary>A model weight bound to a <see cref="Tensors.WeightTensor"/>.</summary>
    Weight = 2,
    /// <summary>An intermediate value produced by a node (F32).</summary>
    Activation = 3,
}
