using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>/metrics parses as Prometheus text and carries every engine series per model; /health answers.</summary>
[Collection(ServingCollection.Name)]
public sealed partial class MetricsAndHealthTests(SharedServer shared)
{
    private readonly TestServer _server = shared.Server;

    [Fact]
    public async Task Metrics_are_valid_prometheus_text_with_every_series_labelled_by_model()
    {
        await _server.PostOkAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":4}");
        using HttpResponseMessage response = await _server.Client.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.True(types.TryAdd(parts[2], parts[3]), $"TYPE twice for {parts[2]}");
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            Match m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            string value = m.Groups["value"].Value;
            samples[m.Groups["series"].Value] = value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture);
        }

        foreach (string name in new[]
        {
            "llmf_queue_length", "llmf_running_sequences", "llmf_kv_blocks_used", "llmf_kv_blocks_free", "llmf_kv_blocks_cached", "llmf_prefix_cache_hit_rate",
            "llmf_prefix_cache_query_tokens_total", "llmf_prefix_cache_hit_tokens_total", "llmf_preemptions_total", "llmf_generation_tokens_per_second",
            "llmf_generation_tokens_total", "llmf_prompt_tokens_total",
        })
        {
            Assert.True(samples.ContainsKey(name + "{model=\"default\"}"), $"{name} is missing");
        }

        Assert.True(samples["llmf_generation_tokens_total{model=\"default\"}"] >= 4);
        Assert.True(samples["llmf_requests_total{model=\"default\",outcome=\"finished\"}"] >= 1);
        Assert.True(samples["llmf_http_requests_total{route=\"/v1/completions\",code=\"200\"}"] >= 1);
        foreach (string histogram in new[] { "llmf_time_to_first_token_seconds", "llmf_time_per_output_token_seconds", "llmf_request_latency_seconds" })
        {
            Assert.Equal("histogram", types[histogram]);
            double[] buckets = [.. samples.Where(s => s.Key.StartsWith(histogram + "_bucket{model=\"default\"", StringComparison.Ordinal)).Select(s => s.Value)];
            Assert.True(buckets.Length > 5, histogram);
            Assert.Equal(buckets.Order(), buckets);
            Assert.Equal(samples[histogram + "_count{model=\"default\"}"], samples[histogram + "_bucket{model=\"default\",le=\"+Inf\"}"]);
            Assert.True(samples[histogram + "_count{model=\"default\"}"] >= 1, histogram);
            Assert.True(samples.ContainsKey(histogram + "_sum{model=\"default\"}"));
        }
    }

    [Fact]
    public async Task Health_live_ready_and_both_answer_200_with_models_loaded()
    {
        foreach (string path in new[] { "/health/live", "/health/ready", "/health" })
        {
            using HttpResponseMessage response = await _server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using HttpResponseMessage both = await _server.Client.GetAsync("/health");
        Assert.Contains("\"ready\":true", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("^(?<series>[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})?) (?<value>[-+0-9.eE]+|\\+Inf|NaN)$")]
    private static partial Regex SampleLine();
}
