using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// The suite is meant to be run three ways: as is, with DOTNET_EnableAVX512=0 and with DOTNET_EnableAVX2=0.
/// (.NET 10 ignores the older DOTNET_EnableAVX512F switch; DOTNET_EnableAVX512 turns the whole AVX-512 family off.)
/// </summary>
public sealed class InstructionSetTests
{
    [Fact]
    public void Disabling_switches_reach_the_test_process()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Avx2.IsSupported);
            Assert.False(Vector256.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
        }

        Assert.False(string.IsNullOrEmpty(CpuFeatures.InstructionSets));
    }
}
