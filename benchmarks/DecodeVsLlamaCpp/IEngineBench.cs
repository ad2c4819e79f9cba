namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>One engine loaded with the benchmark model, ready to time.</summary>
internal interface IEngineBench : IDisposable
{
    string Name { get; }

    /// <summary>Prefills the prompt, then times genTokens single-token decode steps; returns tokens/s of each phase.</summary>
    (double PrefillTps, double DecodeTps) RunOnce();

    /// <summary>The first <paramref name="count"/> greedy tokens after the prompt (to check both engines agree).</summary>
    int[] GreedyTokens(int count);
}
