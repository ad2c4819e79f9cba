namespace LlmFramework.Backends.Cpu;

internal static class AssemblyMarker
{
}
