namespace LlmFramework.Engine.Text;

/// <summary>What <see cref="StopMatcher.Push"/> found.</summary>
/// <param name="Emit">Text safe to show now (with a stop, the text before the stop string).</param>
/// <param name="Stopped">Whether a stop string completed; generation should end.</param>
/// <param name="MatchedStop">The stop string that completed, or null.</param>
public readonly record struct StopResult(string Emit, bool Stopped, string? MatchedStop);
