namespace LlmFramework.Abstractions.Models;

/// <summary>How a low-rank adapter is applied at load (contract 1.1).</summary>
public enum AdapterMode
{
    /// <summary>Folded into the base weights once (W + scale * B A): no cost per token; the adapted matrices are kept as F32.</summary>
    Merged = 0,

    /// <summary>Kept separate: each adapted projection computes x W^T + scale * (x A^T) B^T, leaving the base weights untouched.</summary>
    Unmerged = 1,
}
