using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance.Cases;

namespace LlmFramework.Conformance.Checking;

/// <summary>
/// Checks a backend's run of a case: its inputs must be unchanged; each node under test is run on the reference with
/// the backend's own values of its inputs (so errors do not compound along a multi-node case) and the outputs
/// compared with the op's tolerance; the whole KV cache (every layer, stream and slot) must then be bit-identical.
/// </summary>
internal static class CaseVerifier
{
    public static ConformanceResult Verify(ConformanceCase testCase, CaseSetup setup, ConformanceExecutionContext actual)
    {
        var tracker = new ErrorTracker();
        foreach ((GraphTensor tensor, float[] values) in setup.Inputs)
        {
            ReadOnlySpan<float> after = actual.GetF32(tensor);
            for (int i = 0; i < values.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(after[i]) != BitConverter.SingleToInt32Bits(values[i]))
                {
                    int index = i;
                    tracker.Fail(() => $"the backend changed its input '{tensor.Name}' at {Where(tensor, index)}");
                    break;
                }
            }
        }

        ConformanceExecutionContext expected = setup.CreateContext(1);
        var produced = new HashSet<GraphTensor>(ReferenceEqualityComparer.Instance);
        foreach (GraphNode node in setup.NodesUnderTest)
        {
            foreach (GraphTensor input in node.Inputs)
            {
                if (produced.Contains(input))
                {
                    actual.GetF32(input).CopyTo(expected.GetF32(input));
                }
            }

            ReferenceOps.Execute(node, expected);
            CompareOutput(node, actual, expected, tracker);
            produced.Add(node.Output);
        }

        CompareCache((HostKvCache)actual.KvCache, (HostKvCache)expected.KvCache, tracker);
        if (tracker.Violations > 0)
        {
            string message = $"{tracker.Violations} of {tracker.Compared} values wrong; first: {tracker.FirstViolation}";
            return new ConformanceResult(testCase, ConformanceOutcome.Failed, tracker.MaxAbsError, tracker.MaxRelError, message);
        }

        return new ConformanceResult(testCase, ConformanceOutcome.Passed, tracker.MaxAbsError, tracker.MaxRelError, null);
    }

    private static void CompareOutput(GraphNode node, ConformanceExecutionContext actual, ConformanceExecutionContext expected, ErrorTracker tracker)
    {
        Tolerance tolerance = ToleranceModel.For(node);
        double[] magnitudes = ToleranceModel.Magnitudes(node, expected);
        ReadOnlySpan<float> a = actual.GetF32(node.Output);
        ReadOnlySpan<float> e = expected.GetF32(node.Output);
        for (int i = 0; i < e.Length; i++)
        {
            int index = i;
            tracker.Compare(a[i], e[i], magnitudes[i], tolerance, () => $"{node.Op} '{node.Output.Name}' {Where(node.Output, index)}");
        }
    }

    private static void CompareCache(HostKvCache actual, HostKvCache expected, ErrorTracker tracker)
    {
        for (int layer = 0; layer < expected.Layout.LayerCount; layer++)
        {
            for (int stream = 0; stream < expected.Layout.StreamWidths.Length; stream++)
            {
                int width = expected.Layout.StreamWidths[stream];
                ReadOnlySpan<float> a = actual.GetStream(layer, stream);
                ReadOnlySpan<float> e = expected.GetStream(layer, stream);
                for (int i = 0; i < e.Length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(e[i]))
                    {
                        int slot = i / width;
                        (int l, int s, int index, float got, float want) = (layer, stream, i, a[i], e[i]);
                        tracker.Compare(got, want, Math.Abs(want), default, () =>
                            $"KV cache layer {l} stream {s} block {slot / expected.BlockSize} slot {slot % expected.BlockSize} value {index % width}");
                    }
                }
            }
        }
    }

    private static string Where(GraphTensor tensor, int index) =>
        $"[row {index / Math.Max(1, tensor.Columns)}, column {index % Math.Max(1, tensor.Columns)}]";
}
