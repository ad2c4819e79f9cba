namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>A fact that runs only when LLMF_BENCHMARKS=1 (timings are meaningless on a shared CI machine).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("LLMF_BENCHMARKS") != "1")
        {
            Skip = "throughput measurement: set LLMF_BENCHMARKS=1 to run";
        }
    }
}
