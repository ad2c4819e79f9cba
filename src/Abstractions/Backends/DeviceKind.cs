namespace LlmFramework.Abstractions.Backends;

/// <summary>The kind of a compute device.</summary>
public enum DeviceKind
{
    /// <summary>Host CPU.</summary>
    Cpu = 0,
    /// <summary>NVIDIA GPU.</summary>
    Cuda = 1,
    /// <summary>Huawei Ascend NPU.</summary>
    Npu = 2,
    /// <summary>Anything else.</summary>
    Other = 3,
}
