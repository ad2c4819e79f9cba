using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>The serve verb as a process: it prints the bound address, and SIGTERM lets a request in flight finish before it exits 0.</summary>
[Collection(ServingCollection.Name)]
public sealed class ServeVerbTests
{
    [Fact]
    public async Task Serve_prints_the_bound_port_and_sigterm_drains_in_flight_requests_then_exits_zero()
    {
        string host = Path.Combine(RepositoryPaths.Root, "src", "Host", "bin", RepositoryPaths.Configuration, "net10.0", "LlmFramework.Host.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { host, "serve", "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        try
        {
            using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line = await process.StandardOutput.ReadLineAsync(ready.Token);
            Assert.True(line is not null && line.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal), $"first line: {line}; stderr: {errors}");
            using var client = new HttpClient { BaseAddress = new Uri(line["listening on ".Length..]) };
            Task<HttpResponseMessage> inFlight = client.PostAsync("/v1/completions", new StringContent("{\"prompt\":\"The sea\",\"max_tokens\":160,\"temperature\":0,\"n\":16}", Encoding.UTF8, "application/json"));
            await Eventually.HoldsAsync(() => !MetricsSay(client, "llmf_running_sequences{model=\"default\"} 0") && MetricsSay(client, "llmf_running_sequences{model=\"default\"} "), TimeSpan.FromSeconds(30), "the request to run");

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using HttpResponseMessage response = await inFlight;
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            // Sixteen choices of up to 160 tokens keep the request busy for seconds, so SIGTERM lands while it runs.
            using JsonDocument answer = JsonDocument.Parse(body);
            Assert.Equal(16, answer.RootElement.GetProperty("choices").GetArrayLength());
            Assert.All(answer.RootElement.GetProperty("choices").EnumerateArray(), c => Assert.Contains(c.GetProperty("finish_reason").GetString(), new[] { "stop", "length" }));
            Assert.True(answer.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() >= 16);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exit.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}; stderr: {errors}");
            lock (errors)
            {
                Assert.Contains("shutting down: 1 requests in flight", errors.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static bool MetricsSay(HttpClient client, string sample)
    {
        try
        {
            return client.GetStringAsync("/metrics").GetAwaiter().GetResult().Contains(sample, StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
