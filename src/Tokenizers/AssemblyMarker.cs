namespace LlmFramework.Tokenizers;

internal static class AssemblyMarker
{
}
