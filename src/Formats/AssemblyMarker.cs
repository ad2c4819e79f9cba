namespace LlmFramework.Formats;

internal static class AssemblyMarker
{
}
