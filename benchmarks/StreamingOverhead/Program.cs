using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmFramework.Benchmarks.StreamingOverhead;
using LlmFramework.Protocol;
using MessagePack;

// Streams the same greedy generations from a running host over SSE (JSON chunks) and over the MessagePack route, and
// reports bytes on the wire and CPU time per token on both sides. Usage: [--requests N] [--max-tokens M] [--rounds R]
int requests = Option("--requests", 20);
int maxTokens = Option("--max-tokens", 128);
int rounds = Option("--rounds", 3);

string hostFolder = typeof(TransportRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "HostFolder").Value!;
var start = new ProcessStartInfo(Path.Combine(hostFolder, "LlmFramework.Host")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
foreach (string a in new[] { "serve", "--urls", "http://127.0.0.1:0", "--threads", "1" })
{
    start.ArgumentList.Add(a);
}

using Process host = Process.Start(start)!;
try
{
    string? line;
    Uri? baseUri = null;
    while ((line = await host.StandardOutput.ReadLineAsync()) is not null)
    {
        Match m = Regex.Match(line, @"listening on (http://\S+)");
        if (m.Success)
        {
            baseUri = new Uri(m.Groups[1].Value.TrimEnd('/') + "/");
            break;
        }
    }

    if (baseUri is null)
    {
        Console.Error.WriteLine($"the host did not start: {await host.StandardError.ReadToEndAsync()}");
        return 1;
    }

    using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
    await RunSse(client, 2, maxTokens); // warm-up of both paths (JIT, engine)
    await RunMessagePack(client, 2, maxTokens);
    var results = new List<TransportRun>();
    for (int r = 0; r < rounds; r++)
    {
        results.Add(await Measure("SSE (JSON)", () => RunSse(client, requests, maxTokens)));
        results.Add(await Measure("MessagePack", () => RunMessagePack(client, requests, maxTokens)));
    }

    Console.WriteLine($"{requests} sequential greedy generations of {maxTokens} tokens per transport per round, {rounds} rounds, default model, host on 1 thread; best round by client CPU.");
    Console.WriteLine();
    Console.WriteLine("| transport | tokens | bytes/token | client CPU µs/token | host CPU µs/token | wall s |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (TransportRun t in results.GroupBy(t => t.Transport).Select(g => g.MinBy(t => t.ClientCpuSeconds)!))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {t.Transport} | {t.Tokens} | {t.BytesPerToken:F1} | {t.ClientMicrosecondsPerToken:F1} | {t.ServerMicrosecondsPerToken:F1} | {t.WallSeconds:F2} |"));
    }

    return 0;
}
finally
{
    if (!host.HasExited)
    {
        host.Kill();
    }
}

async Task<TransportRun> Measure(string name, Func<Task<(long Tokens, long Bytes)>> run)
{
    Process self = Process.GetCurrentProcess();
    host.Refresh();
    TimeSpan hostCpu = host.TotalProcessorTime;
    self.Refresh();
    TimeSpan cpu = self.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    (long tokens, long bytes) = await run();
    double seconds = wall.Elapsed.TotalSeconds;
    self.Refresh();
    host.Refresh();
    return new TransportRun(name, tokens, bytes, seconds, (self.TotalProcessorTime - cpu).TotalSeconds, (host.TotalProcessorTime - hostCpu).TotalSeconds);
}

static async Task<(long Tokens, long Bytes)> RunSse(HttpClient client, int requests, int maxTokens)
{
    long tokens = 0, bytes = 0;
    for (int i = 0; i < requests; i++)
    {
        string body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = $"Tell me story {i}." } },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["stream"] = true,
            ["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var counted = new CountingStream(await response.Content.ReadAsStreamAsync());
        using var reader = new StreamReader(counted);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
            {
                continue;
            }

            // Parse every event as a client would; count the tokens from the usage in the final one.
            using JsonDocument doc = JsonDocument.Parse(line.AsMemory(6));
            if (doc.RootElement.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
            {
                tokens += usage.GetProperty("completion_tokens").GetInt64();
            }
        }

        bytes += counted.BytesRead;
    }

    return (tokens, bytes);
}

static async Task<(long Tokens, long Bytes)> RunMessagePack(HttpClient client, int requests, int maxTokens)
{
    long tokens = 0, bytes = 0;
    for (int i = 0; i < requests; i++)
    {
        var chat = new BinaryChatRequest
        {
            Messages = [new BinaryChatMessage { Role = "user", Content = $"Tell me story {i}." }],
            MaxTokens = maxTokens,
            Temperature = 0,
        };
        using var content = new ByteArrayContent(MessagePackSerializer.Serialize(chat));
        content.Headers.ContentType = new MediaTypeHeaderValue(BinaryStreamProtocol.RequestContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, BinaryStreamProtocol.Route.TrimStart('/')) { Content = content };
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var counted = new CountingStream(await response.Content.ReadAsStreamAsync());
        using var reader = new MessagePackStreamReader(counted);
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            BinaryStreamFrame f = MessagePackSerializer.Deserialize<BinaryStreamFrame>(frame);
            tokens += f.Kind == BinaryFrameKind.Final ? f.CompletionTokens : 0;
        }

        bytes += counted.BytesRead;
    }

    return (tokens, bytes);
}

int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
