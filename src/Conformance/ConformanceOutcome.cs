namespace LlmFramework.Conformance;

/// <summary>How a backend did on one <see cref="ConformanceCase"/>.</summary>
public enum ConformanceOutcome
{
    /// <summary>Every output (and the KV cache) matched the reference within the case's tolerance.</summary>
    Passed = 0,

    /// <summary>An output or the KV cache differed beyond tolerance, an input was changed, or the backend threw.</summary>
    Failed = 1,

    /// <summary>
    /// The backend answered <see cref="Abstractions.Backends.IBackend.Supports"/> = No for a node of the case; not a
    /// failure: the engine runs such nodes on the CPU backend.
    /// </summary>
    Unsupported = 2,
}
