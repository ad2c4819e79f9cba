namespace LlmFramework.Quantization;

internal static class AssemblyMarker
{
}
