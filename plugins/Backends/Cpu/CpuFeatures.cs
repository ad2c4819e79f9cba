using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu;

/// <summary>What the kernels use on this machine (as the runtime reports it, so DOTNET_EnableAVX512F=0 etc. show).</summary>
internal static class CpuFeatures
{
    /// <summary>Instruction sets in use, e.g. "AVX-512F, AVX-512BW, AVX2, FMA, SSSE3".</summary>
    public static string InstructionSets
    {
        get
        {
            var sets = new List<string>();
            if (Vector512.IsHardwareAccelerated)
            {
                sets.Add("Vector512");
            }

            if (Avx512F.IsSupported)
            {
                sets.Add("AVX-512F");
            }

            if (Avx512BW.IsSupported)
            {
                sets.Add("AVX-512BW");
            }

            if (Avx2.IsSupported)
            {
                sets.Add("AVX2");
            }

            if (Fma.IsSupported)
            {
                sets.Add("FMA");
            }

            if (Ssse3.IsSupported)
            {
                sets.Add("SSSE3");
            }

            if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
            {
                sets.Add("AdvSIMD");
            }

            return sets.Count == 0 ? "scalar only" : string.Join(", ", sets);
        }
    }

    /// <summary>A one-line description of the CPU for <see cref="Abstractions.Backends.DeviceInfo.Description"/>.</summary>
    public static string Describe() =>
        $"{ModelName()} ({Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}); kernels use {InstructionSets}";

    private static string ModelName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return "CPU";
    }
}
