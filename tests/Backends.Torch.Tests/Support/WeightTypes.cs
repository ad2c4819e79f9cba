using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Backends.Torch.Tests.Support;

/// <summary>Every weight type of the contract (every <see cref="DType"/> but I32).</summary>
internal static class WeightTypes
{
    public static TheoryData<DType> All => new(Enum.GetValues<DType>().Where(t => t != DType.I32));
}
