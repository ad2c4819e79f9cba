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

    EngineSpeed? llama = null;
    EngineSpeed? ours = null;
    int[]? llamaTokens = null;
    int[]? ourTokens = null;
    if (options.RunLlamaCpp)
    {
        Console.Error.WriteLine($"{dtype}: llama.cpp ...");
        llama = LlamaCppRunner.Measure(path, prompt, options.GenTokens, options.Threads, options.Runs, out llamaTokens);
    }

    if (options.RunOurs)
    {
        Console.Error.WriteLine($"{dtype}: LlmFramework ...");
        ours = OurEngineRunner.Measure(path, prompt, options.GenTokens, options.Threads, options.Runs, out ourTokens);
    }

    int? agreement = llamaTokens is null || ourTokens is null
        ? null
        : llamaTokens.Zip(ourTokens).TakeWhile(pair => pair.First == pair.Second).Count();
    results.Add(new ModelResult(dtype, path, bytesPerToken, options.EffectiveBandwidthGBs, llama, ours, agreement, llamaTokens?.Length ?? 0));
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
