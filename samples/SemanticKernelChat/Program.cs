// A Semantic Kernel console app on LlmFramework: a kernel with LlmFramework's chat completion service, a prompt
// function invoked once whole and once streamed. In-process on the embedded default model by default;
// `--endpoint http://127.0.0.1:8080/v1 [--transport sse|msgpack] [--api-key K]` talks to a running host instead.
//   dotnet run --project samples/SemanticKernelChat -- [--topic TEXT] [--max-tokens N] [--config FILE]
using System.Globalization;
using LlmFramework.Samples.SemanticKernelChat;
using LlmFramework.SemanticKernel.Extensions;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.SemanticKernel;

var options = SampleArguments.Parse(args);
IKernelBuilder builder = Kernel.CreateBuilder();
if (options.Endpoint is null)
{
    builder.AddLlmFrameworkChatCompletion(options.ConfigFile);
    Console.WriteLine("[in-process: the engine runs inside this process]");
}
else
{
    builder.AddLlmFrameworkChatCompletion(options.Endpoint, options.ApiKey, options.Transport);
    Console.WriteLine($"[remote: {options.Endpoint} over {options.Transport}]");
}

Kernel kernel = builder.Build();
KernelFunction story = kernel.CreateFunctionFromPrompt(
    "Write the opening of a story about {{$topic}}.",
    new PromptExecutionSettings
    {
        ExtensionData = new Dictionary<string, object>
        {
            ["max_tokens"] = options.MaxTokens,
            ["temperature"] = 0.7,
            ["seed"] = 7,
        },
    });
var arguments = new KernelArguments { ["topic"] = options.Topic };

Console.WriteLine($"[prompt function, topic: {options.Topic}]");
FunctionResult result = await kernel.InvokeAsync(story, arguments);
Console.WriteLine(result.GetValue<string>());

Console.WriteLine("[streaming]");
int chunks = 0;
await foreach (StreamingKernelContent chunk in kernel.InvokeStreamingAsync(story, arguments))
{
    Console.Write(chunk.ToString());
    chunks++;
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[done: {chunks} streamed chunks]"));

// The kernel's service provider holds the engine (or the HTTP client); disposing it stops the engine.
(kernel.Services as IDisposable)?.Dispose();
