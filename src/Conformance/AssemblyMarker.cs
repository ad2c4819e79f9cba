namespace LlmFramework.Conformance;

internal static class AssemblyMarker
{
}
