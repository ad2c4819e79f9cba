using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// Everything one run of a case needs: the graph, the step batch, the starting KV cache and input values, and
/// the native memory of its weights (freed on dispose). Built fresh for every run from the case's seed.
/// </summary>
/// <remarks>
/// Activation inputs come from "producer" nodes (GetRows over an empty table, and SelectOutputRows for inputs with
/// one row per output) that only exist to give the tensors a place in the graph: they are never run; the setup
/// fills their outputs with seeded values instead, as an earlier partition would have.
/// </remarks>
internal sealed unsafe class CaseSetup : IDisposable
{
    private static readonly KvCacheLayout UnusedCacheLayout = new(1, [1, 1], 1 << 20);

    private readonly List<nint> _allocations = [];
    private readonly List<(GraphTensor Tensor, Func<float> Source)> _inputSources = [];
    private readonly HashSet<int> _producerOutputs = [];
    private readonly List<(GraphTensor Tensor, float[] Values)> _inputs = [];
    private ComputeGraph? _graph;
    private GraphNode[] _nodesUnderTest = [];
    private (GraphTensor Tensor, float[] Values)? _priorOutput;

    public CaseSetup(ulong seed)
    {
        Random = new SeededRandom(seed);
        Cache = new HostKvCache(UnusedCacheLayout, 16, 0);
    }

    public SeededRandom Random { get; }

    public GraphBuilder Builder { get; } = new();

    public StepBatch Batch { get; private set; } = new(0);

    /// <summary>The KV cache contents before the step (every slot, used or not, holds seeded values).</summary>
    public HostKvCache Cache { get; private set; }

    /// <summary>True for cases whose step is invalid: the backend must throw.</summary>
    public bool ExpectsError { get; set; }

    public ComputeGraph Graph => _graph ?? throw new InvalidOperationException("the case did not call Finish");

    public IReadOnlyList<GraphNode> NodesUnderTest => _nodesUnderTest;

    /// <summary>
    /// When set before <see cref="Finish"/>: the result tensor holds values from this source before the backend runs, as
    /// an earlier step would have left it (for ops that must leave parts of their output untouched); null = zeros.
    /// </summary>
    public Func<float>? PriorOutput { get; set; }

    /// <summary>The activation inputs the setup fills, with their values.</summary>
    public IReadOnlyList<(GraphTensor Tensor, float[] Values)> Inputs => _inputs;

    public Func<float> Normal(double scale = 1) => () => Random.Normal(scale);

    public Func<float> Uniform(double low, double high) => () => Random.Uniform(low, high);

    /// <summary>A source that hands out <paramref name="values"/> in order (for inputs whose values are drawn as a whole, such as routes).</summary>
    public static Func<float> Values(float[] values)
    {
        int next = 0;
        return () => values[next++];
    }

    /// <summary>
    /// Sets the step: one slice per plan, scattered block tables (shuffled ids from a pool with spare blocks), and a
    /// cache whose every slot holds seeded values, so positions before each slice's start are "already cached".
    /// </summary>
    public void SetBatch(IReadOnlyList<SequencePlan> sequences, KvCacheLayout? layout = null, int blockSize = 16, Func<int>? tokenIds = null, bool outputAllTokens = false)
    {
        int totalTokens = sequences.Sum(s => s.Tokens);
        int[] blocksNeeded = sequences.Select(s => (s.StartPosition + s.Tokens + blockSize - 1) / blockSize).ToArray();
        int[] pool = Enumerable.Range(0, blocksNeeded.Sum() + 3).ToArray();
        Random.Shuffle(pool);
        Cache = new HostKvCache(layout ?? UnusedCacheLayout, blockSize, pool.Length);
        for (int layer = 0; layer < Cache.Layout.LayerCount; layer++)
        {
            for (int stream = 0; stream < Cache.Layout.StreamWidths.Length; stream++)
            {
                Span<float> values = Cache.GetStream(layer, stream);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = Random.Normal();
                }
            }
        }

        Batch = new StepBatch(totalTokens);
        int nextBlock = 0;
        for (int s = 0; s < sequences.Count; s++)
        {
            int[] tokens = new int[sequences[s].Tokens];
            for (int i = 0; i < tokens.Length; i++)
            {
                tokens[i] = tokenIds?.Invoke() ?? 0;
            }

            int[] blockTable = pool.AsSpan(nextBlock, blocksNeeded[s]).ToArray();
            nextBlock += blocksNeeded[s];
            Batch.Add(100 + s, tokens, sequences[s].StartPosition, blockTable, sequences[s].WantLogits);
        }

        if (outputAllTokens)
        {
            Batch.OutputAllTokens();
        }
    }

    /// <summary>A weight of <paramref name="rows"/> x <paramref name="columns"/> values from <paramref name="source"/>, encoded as <paramref name="type"/> in native memory.</summary>
    public WeightTensor Weight(string name, DType type, long rows, long columns, Func<float> source, bool vector = false)
    {
        long rowBytes = DTypeInfo.RowBytes(type, columns);
        long bytes = rows * rowBytes;
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 64), 64);
        _allocations.Add((nint)data);
        var values = new float[columns];
        for (long r = 0; r < rows; r++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = source();
            }

            BlockQuantizer.Quantize(type, values, new Span<byte>(data + (r * rowBytes), checked((int)rowBytes)));
        }

        long[] shape = vector ? [columns] : [rows, columns];
        return new WeightTensor(name, type, shape, data, bytes);
    }

    /// <summary>An F32 activation input of <paramref name="columns"/> columns with one row per token (or per output).</summary>
    public GraphTensor Input(string name, long columns, Func<float> source, RowSpace rows = RowSpace.Tokens)
    {
        var emptyTable = new WeightTensor(name + ".table", DType.F32, [0, columns], null, 0);
        GraphTensor tensor = Builder.GetRows(Builder.Weight(emptyTable), Builder.TokenIds, name);
        _producerOutputs.Add(tensor.Id);
        if (rows == RowSpace.Outputs)
        {
            tensor = Builder.SelectOutputRows(tensor, name + ".outputs");
            _producerOutputs.Add(tensor.Id);
        }
        else if (rows != RowSpace.Tokens)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "inputs have one row per token or per output");
        }

        _inputSources.Add((tensor, source));
        return tensor;
    }

    /// <summary>Builds the graph around <paramref name="result"/> and draws the input values; every node not made by <see cref="Input"/> is under test.</summary>
    public void Finish(GraphTensor result)
    {
        int terminal = -1;
        GraphTensor logits = result;
        if (result.RowSpace == RowSpace.Tokens)
        {
            logits = Builder.SelectOutputRows(result, "conformance.logits");
            terminal = logits.Id;
        }

        _graph = Builder.Build(logits);
        _nodesUnderTest = _graph.Nodes.Where(n => !_producerOutputs.Contains(n.Output.Id) && n.Output.Id != terminal).ToArray();
        var sizing = new ConformanceExecutionContext(Batch, Cache);
        foreach ((GraphTensor tensor, Func<float> source) in _inputSources)
        {
            var values = new float[sizing.Rows(tensor) * tensor.Columns];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = source();
            }

            _inputs.Add((tensor, values));
        }

        if (PriorOutput is { } prior)
        {
            var values = new float[sizing.Rows(result) * result.Columns];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = prior();
            }

            _priorOutput = (result, values);
        }
    }

    /// <summary>A fresh context holding the starting state: a copy of the cache and the input values.</summary>
    public ConformanceExecutionContext CreateContext(int threadCount)
    {
        var context = new ConformanceExecutionContext(Batch, Cache.Clone(), threadCount);
        foreach ((GraphTensor tensor, float[] values) in _inputs)
        {
            values.CopyTo(context.GetF32(tensor));
        }

        if (_priorOutput is ({ } output, { } prior))
        {
            prior.CopyTo(context.GetF32(output));
        }

        return context;
    }

    public void Dispose()
    {
        foreach (nint allocation in _allocations)
        {
            NativeMemory.AlignedFree((void*)allocation);
        }

        _allocations.Clear();
    }
}
