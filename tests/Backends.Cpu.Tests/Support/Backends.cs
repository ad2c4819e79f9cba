using LlmFramework.Abstractions.Backends;

namespace LlmFramework.Backends.Cpu.Tests.Support;

internal static class Backends
{
    public static CpuBackend Create(int threads) => (CpuBackend)new CpuBackendFactory().Create(new BackendOptions { Threads = threads });
}
