namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>One engine loaded with the benchmark model, able to serve N greedy streams at once.</summary>
internal interface IServingEngine : IDisposable
{
    string Name { get; }

    /// <summary>Vocabulary size of the loaded model (prompt ids are drawn below it).</summary>
    int VocabSize { get; }

    /// <summary>Submits one stream per prompt at once and generates <paramref name="genTokens"/> greedy tokens in each.</summary>
    RunTimings Run(IReadOnlyList<int[]> prompts, int genTokens);
}
