namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// How many rows a graph tensor has. Step graphs are built once per model with symbolic row counts and
/// run for every step (dynamic shapes): the engine resolves <see cref="Tokens"/> and <see cref="Outputs"/>
/// from the <see cref="Execution.StepBatch"/>.
/// </summary>
public enum RowSpace
{
    /// <summary>A fixed row count (weights, constants).</summary>
    Fixed = 0,
    /// <summary>One row per token of the step (all sequences' tokens, concatenated).</summary>
    Tokens = 1,
    /// <summary>One row per token whose logits are wanted (<see cref="Execution.StepBatch.OutputTokenIndices"/>).</summary>
    Outputs = 2,
}
