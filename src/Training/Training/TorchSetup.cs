using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>Process-wide Torch settings.</summary>
public static class TorchSetup
{
    /// <summary>Sets the intra-op thread count (0 = one per core).</summary>
    public static void Threads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        set_num_threads(threads == 0 ? Environment.ProcessorCount : threads);
    }
}
