namespace LlmFramework.Engine;

internal static class AssemblyMarker
{
}
