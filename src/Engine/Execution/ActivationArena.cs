using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Engine.Execution;

/// <summary>
/// Memory for a graph's activations, planned once: each activation gets a buffer sized for the largest step, and a
/// buffer is reused by a later activation once every reader of its previous owner has run (liveness by node order).
/// Nothing is allocated per step.
/// </summary>
public sealed class ActivationArena
{
    private readonly float[]?[] _bufferOfTensor;

    /// <summary>Plans buffers for <paramref name="graph"/> with at most <paramref name="maxTokens"/> token rows and <paramref name="maxOutputs"/> output rows.</summary>
    public ActivationArena(ComputeGraph graph, int maxTokens, int maxOutputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _bufferOfTensor = new float[]?[graph.Tensors.Count];
        int[] lastUse = new int[graph.Tensors.Count];
        Array.Fill(lastUse, -1);
        foreach (GraphNode node in graph.Nodes)
        {
            foreach (GraphTensor input in node.Inputs)
            {
                lastUse[input.Id] = node.Index;
            }
        }

        lastUse[graph.Logits.Id] = int.MaxValue;
        var free = new List<float[]>();
        long total = 0;
        foreach (GraphNode node in graph.Nodes)
        {
            GraphTensor output = node.Output;
            long rows = output.RowSpace switch
            {
                RowSpace.Tokens => maxTokens,
                RowSpace.Outputs => maxOutputs,
                _ => output.FixedRows,
            };
            long needed = Math.Max(1, rows * output.Columns);
            int pick = -1;
            for (int i = 0; i < free.Count; i++)
            {
                if (free[i].LongLength >= needed && (pick < 0 || free[i].LongLength < free[pick].LongLength))
                {
                    pick = i;
                }
            }

            float[] buffer;
            if (pick >= 0)
            {
                buffer = free[pick];
                free.RemoveAt(pick);
            }
            else
            {
                buffer = new float[needed];
                total += needed * sizeof(float);
            }

            _bufferOfTensor[output.Id] = buffer;

            // Inputs whose last reader is this node can be reused by later nodes (never by this node's own output).
            foreach (GraphTensor input in node.Inputs)
            {
                if (input.Role == TensorRole.Activation && lastUse[input.Id] == node.Index && _bufferOfTensor[input.Id] is { } done && !free.Contains(done))
                {
                    free.Add(done);
                }
            }

            if (lastUse[output.Id] < 0)
            {
                free.Add(buffer);
            }
        }

        TotalBytes = total;
    }

    /// <summary>Bytes of activation memory.</summary>
    public long TotalBytes { get; }

    /// <summary>The buffer of an activation (longer than any step needs).</summary>
    public float[] BufferOf(GraphTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return _bufferOfTensor[tensor.Id] ?? throw new InvalidOperationException($"tensor {tensor} is not an activation of this graph");
    }
}
