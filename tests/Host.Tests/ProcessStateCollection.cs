namespace LlmFramework.Host.Tests;

/// <summary>
/// Tests that change process-wide state (environment variables, Console.Out/Error) or depend on it (the CLI reads LLMF_
/// variables): they run one at a time and never beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessStateCollection
{
    public const string Name = "process-wide state (environment variables, console)";
}
