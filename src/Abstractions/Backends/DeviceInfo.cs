namespace LlmFramework.Abstractions.Backends;

/// <summary>A device a backend can run on.</summary>
/// <param name="Name">Device name, unique within its backend (e.g. "cpu", "cuda:0").</param>
/// <param name="Kind">Device kind.</param>
/// <param name="MemoryBytes">Memory available to the backend on the device, 0 when unknown.</param>
/// <param name="Description">Human-readable details (model, instruction sets, driver).</param>
public sealed record DeviceInfo(string Name, DeviceKind Kind, long MemoryBytes, string Description);
