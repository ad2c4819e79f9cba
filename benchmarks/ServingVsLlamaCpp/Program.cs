using LlmFramework.Abstractions.Models;
using LlmFramework.Benchmarks.DecodeVsLlamaCpp;
using LlmFramework.Benchmarks.ServingVsLlamaCpp;

ServingOptions options;
try
{
    options = ServingOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(ServingOptions.Usage);
    return 2;
}

double? loadBefore = MachineLoad.OneMinuteAverage();
if (loadBefore > options.Threads * 0.75)
{
    Console.Error.WriteLine($"warning: load average is {loadBefore:F1} on {Environment.ProcessorCount} cores; other work will skew the timings");
}

TestModelSpec spec = BenchmarkModel.Spec(options.DType);
string modelPath = options.ModelPath ?? BenchmarkModel.EnsureWritten(spec, options.ModelDirectory, rewrite: false);
long bytesPerToken = GgufWeightBytes.ReadPerDecodedToken(modelPath);
int contextPerStream = options.PromptTokens + options.GenTokens + 1;

// Both engines stay loaded; at every concurrency their runs alternate (order swapped each round) so that load from
// other processes falls on both alike.
var engines = new List<IServingEngine>();
var variants = new List<VariantResult>();
try
{
    if (options.RunLlamaCpp)
    {
        engines.Add(new LlamaCppBatchedEngine(modelPath, contextPerStream, options.MaxBatchTokens, options.Threads, options.LlamaUnifiedKv));
    }

    if (options.RunOurs)
    {
        engines.Add(new OurServingEngine(modelPath, options.MaxStreams, contextPerStream, options.MaxBatchTokens, options.Threads));
    }

    int vocab = engines[0].VocabSize;
    foreach (IServingEngine engine in engines)
    {
        Console.Error.WriteLine($"warming up {engine.Name} ...");
        engine.Run(StreamPrompts.Make(Math.Min(options.MaxStreams, 16), options.PromptTokens, vocab, shared: false, seed: 1), Math.Min(options.GenTokens, 8));
    }

    string[] variantNames = options.SharedPrompt ? ["distinct prompts", "one shared prompt"] : ["distinct prompts"];
    for (int v = 0; v < variantNames.Length; v++)
    {
        bool shared = v == 1;
        var results = new List<EngineRuns>();
        foreach (int streams in options.Streams)
        {
            var runs = engines.ToDictionary(e => e, _ => new List<StreamStats>());
            for (int run = 0; run < options.Runs; run++)
            {
                // Fresh prompts for every run and concurrency: nothing computed earlier can be reused from a prefix cache.
                int[][] prompts = StreamPrompts.Make(streams, options.PromptTokens, vocab, shared, seed: 1000 + (v * 100_000) + (streams * 100) + run);
                foreach (IServingEngine engine in run % 2 == 0 ? engines : Enumerable.Reverse(engines))
                {
                    StreamStats stats = StreamStats.From(engine.Name, engine.Run(prompts, options.GenTokens));
                    runs[engine].Add(stats);
                    Console.Error.WriteLine($"{variantNames[v]}, {streams} streams, {engine.Name}: {stats.AggregateTps:F1} tok/s aggregate, TTFT p50 {stats.TtftP50Ms:F0} ms");
                }
            }

            results.AddRange(engines.Select(e => new EngineRuns(e.Name, streams, runs[e])));
        }

        variants.Add(new VariantResult(variantNames[v], results));
    }
}
finally
{
    foreach (IServingEngine engine in engines)
    {
        engine.Dispose();
    }
}

var setup = new BenchmarkSetup(options, modelPath, bytesPerToken, loadBefore, MachineLoad.OneMinuteAverage(),
    "dotnet run -c Release --project benchmarks/ServingVsLlamaCpp --" + string.Concat(args.Select(a => " " + a)));
string markdown = ServingReport.Markdown(setup, variants);
string json = ServingReport.Json(setup, variants);
Console.WriteLine(options.Json ? json : markdown);
if (options.OutDirectory is not null)
{
    Directory.CreateDirectory(options.OutDirectory);
    File.WriteAllText(Path.Combine(options.OutDirectory, "result.md"), markdown);
    File.WriteAllText(Path.Combine(options.OutDirectory, "result.json"), json);
}

return 0;
