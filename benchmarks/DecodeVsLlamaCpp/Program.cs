using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Benchmarks.DecodeVsLlamaCpp;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

double? loadBefore = MachineLoad.OneMinuteAverage();
if (loadBefore > options.Threads * 0.75)
{
    Console.Error.WriteLine($"warning: load average is {loadBefore:F1} on {Environment.ProcessorCount} cores; other work will skew the timings");
}

var results = new List<ModelResult>();
foreach (DType dtype in options.DTypes)
{
    TestModelSpec spec = BenchmarkModel.Spec(dtype);
    string path = BenchmarkModel.EnsureWritten(spec, options.ModelDirectory, options.Rewrite);
    int[] prompt = BenchmarkModel.Prompt(options.PromptTokens, spec.VocabSize);
    long bytesPerToken = GgufWeightBytes.ReadPerDecodedToken(path);

    // Both engines stay loaded and their timed runs alternate (order swapped each round), so load from other
    // processes on the machine falls on both alike.
    var engines = new List<IEngineBench>();
    try
    {
        if (options.RunLlamaCpp)
        {
            engines.Add(new LlamaCppRunner(path, prompt, options.GenTokens, options.Threads));
        }

        if (options.RunOurs)
        {
            engines.Add(new OurEngineRunner(path, prompt, options.GenTokens, options.Threads));
        }

        var timed = engines.ToDictionary(e => e, _ => new List<(double, double)>());
        foreach (IEngineBench engine in engines)
        {
            Console.Error.WriteLine($"{dtype}: warming up {engine.Name} ...");
            engine.RunOnce();
        }

        for (int run = 0; run < options.Runs; run++)
        {
            foreach (IEngineBench engine in run % 2 == 0 ? engines : Enumerable.Reverse(engines))
            {
                timed[engine].Add(engine.RunOnce());
            }
        }

        EngineSpeed? llama = null, ours = null;
        int[]? llamaTokens = null, ourTokens = null;
        foreach (IEngineBench engine in engines)
        {
            EngineSpeed speed = EngineSpeed.Best(engine.Name, timed[engine]);
            int[] tokens = engine.GreedyTokens(Math.Min(options.GenTokens, 32));
            if (engine is LlamaCppRunner)
            {
                (llama, llamaTokens) = (speed, tokens);
            }
            else
            {
                (ours, ourTokens) = (speed, tokens);
            }
        }

        int? agreement = llamaTokens is null || ourTokens is null
            ? null
            : llamaTokens.Zip(ourTokens).TakeWhile(pair => pair.First == pair.Second).Count();
        results.Add(new ModelResult(dtype, path, bytesPerToken, options.EffectiveBandwidthGBs, llama, ours, agreement, llamaTokens?.Length ?? 0));
    }
    finally
    {
        foreach (IEngineBench engine in engines)
        {
            engine.Dispose();
        }
    }
}

double? loadAfter = MachineLoad.OneMinuteAverage();
Console.WriteLine(ReportWriter.Table(options, results, loadBefore, loadAfter));
string json = ReportWriter.Json(options, results, loadBefore, loadAfter);
Console.WriteLine(json);
if (options.JsonPath is not null)
{
    File.WriteAllText(options.JsonPath, json);
}

return 0;
