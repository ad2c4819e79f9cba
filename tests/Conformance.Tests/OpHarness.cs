using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Conformance.Tests;

/// <summary>Builds one-op graphs by hand: activation inputs, weights in native memory, a batch and a context.</summary>
internal sealed unsafe class OpHarness : IDisposable
{
    private readonly List<nint> _allocations = [];

    public GraphBuilder Builder { get; } = new();

    public static StepBatch Batch(params (int Tokens, int Start)[] sequences)
    {
        var batch = new StepBatch(sequences.Sum(s => s.Tokens));
        int nextBlock = 0;
        foreach ((int tokens, int start) in sequences)
        {
            int blocks = (start + tokens + 3) / 4;
            batch.Add(batch.Sequences.Count, new int[tokens], start, Enumerable.Range(nextBlock, blocks).ToArray(), wantLogits: true);
            nextBlock += blocks;
        }

        return batch;
    }

    public GraphTensor Input(string name, int columns) =>
        Builder.GetRows(Builder.Weight(new WeightTensor(name + ".table", DType.F32, [0, columns], null, 0)), Builder.TokenIds, name);

    public WeightTensor Weight(string name, DType type, long[] shape, float[] values)
    {
        byte[] bytes = BlockQuantizer.Quantize(type, values);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes.Length, 1), 64);
        _allocations.Add((nint)data);
        bytes.CopyTo(new Span<byte>(data, bytes.Length));
        return new WeightTensor(name, type, shape, data, bytes.Length);
    }

    /// <summary>Finishes the graph and returns the node that produced <paramref name="result"/>.</summary>
    public GraphNode Node(GraphTensor result)
    {
        ComputeGraph graph = Builder.Build(result.RowSpace == RowSpace.Outputs ? result : Builder.SelectOutputRows(result, "logits"));
        return graph.Nodes.Single(n => ReferenceEquals(n.Output, result));
    }

    public static ConformanceExecutionContext Context(StepBatch batch, IKvCache? cache = null) =>
        new(batch, cache ?? new HostKvCache(new KvCacheLayout(1, [1, 1], 64), 4, 16));

    public void Dispose()
    {
        foreach (nint p in _allocations)
        {
            NativeMemory.AlignedFree((void*)p);
        }
    }
}
