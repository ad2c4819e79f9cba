namespace LlmFramework.Models.Llama;

internal static class AssemblyMarker
{
}
