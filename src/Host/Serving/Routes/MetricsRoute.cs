using System.Globalization;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Engine.Moe;
using LlmFramework.Engine.Metrics;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>GET /metrics: every served model's engine metrics (label model="id") and the server's HTTP counters, in the Prometheus text format.</summary>
internal static class MetricsRoute
{
    public const string Path = "/metrics";

    private static readonly (string Name, string Type, string Help, Func<EngineMetrics, double> Value)[] EngineSeries =
    [
        ("llmf_queue_length", "gauge", "Requests waiting to start (new and preempted).", m => m.QueuedRequests),
        ("llmf_running_sequences", "gauge", "Sequences admitted and running (prefilling or decoding).", m => m.RunningSequences),
        ("llmf_kv_blocks_total", "gauge", "Blocks in the KV cache.", m => m.KvBlocksTotal),
        ("llmf_kv_blocks_used", "gauge", "KV blocks held by at least one sequence.", m => m.KvBlocksUsed),
        ("llmf_kv_blocks_free", "gauge", "KV blocks no sequence holds (some may keep a cached prefix until evicted).", m => m.KvBlocksFree),
        ("llmf_kv_blocks_cached", "gauge", "Full KV blocks registered in the prefix cache.", m => m.KvBlocksCached),
        ("llmf_prefix_cache_hit_rate", "gauge", "Prompt tokens found in the prefix cache / prompt tokens looked up.", m => m.PrefixCacheHitRate),
        ("llmf_prefix_cache_query_tokens_total", "counter", "Prompt tokens looked up in the prefix cache.", m => m.PrefixCacheQueryTokens),
        ("llmf_prefix_cache_hit_tokens_total", "counter", "Prompt tokens whose KV came from the prefix cache.", m => m.PrefixCacheHitTokens),
        ("llmf_preemptions_total", "counter", "Times a running sequence gave its KV blocks back to be recomputed later.", m => m.Preemptions),
        ("llmf_generation_tokens_per_second", "gauge", "Generated tokens per second over about the last five seconds.", m => m.GeneratedTokensPerSecond),
        ("llmf_prompt_tokens_total", "counter", "Prompt tokens processed.", m => m.PromptTokens),
        ("llmf_generation_tokens_total", "counter", "Tokens generated.", m => m.GeneratedTokens),
        ("llmf_engine_steps_total", "counter", "Engine steps run.", m => m.Steps),
    ];

    private static readonly (string Name, string Help, Func<EngineMetrics, LatencyHistogram> Histogram)[] Histograms =
    [
        ("llmf_time_to_first_token_seconds", "From a request's arrival to its first generated token.", m => m.TimeToFirstToken),
        ("llmf_time_per_output_token_seconds", "Between two consecutive tokens of one generation.", m => m.TimePerOutputToken),
        ("llmf_request_latency_seconds", "From a request's arrival at the engine to its end.", m => m.RequestLatency),
    ];

    private static readonly (string Name, string Type, string Help, Func<MoeRuntime, double> Value)[] MoeSeries =
    [
        ("llmf_moe_resident_bytes", "gauge", "Bytes of routed experts kept resident under the current placement.", r => r.ResidentBytes),
        ("llmf_moe_expert_bytes", "gauge", "Bytes of all routed experts.", r => r.Shape.TotalExpertBytes),
        ("llmf_moe_budget_bytes", "gauge", "The resident-expert budget (-1 = none).", r => r.BudgetBytes),
        ("llmf_moe_cold_uses_total", "counter", "Times a step used an expert that was not resident.", r => r.ColdUses),
        ("llmf_moe_plans_total", "counter", "Placements applied.", r => r.Plans),
        ("llmf_moe_promotions_total", "counter", "Experts made resident by placement changes.", r => r.Promotions),
        ("llmf_moe_demotions_total", "counter", "Experts made cold by placement changes.", r => r.Demotions),
        ("llmf_moe_staged_reads_total", "counter", "Cold experts copied from the checkpoint file into a staging slot.", r => r.StagedReads),
        ("llmf_moe_prediction_checks_total", "counter", "Experts chosen in steps whose choice was predicted one MoE layer earlier.", r => r.PredictionChecks),
        ("llmf_moe_prediction_hits_total", "counter", "Of the predicted steps' chosen experts, those the next-layer prediction named.", r => r.PredictionHits),
        ("llmf_moe_cold_prefetches_total", "counter", "Cold experts read ahead because the next layer was predicted to choose them.", r => r.ColdPrefetches),
        ("llmf_moe_balancedness", "gauge", "Mean / max routed load per device under the current placement (1 = even).", r => r.Balancedness),
    ];

    public static Task HandleAsync(HttpContext context, ServerContext server)
    {
        IReadOnlyList<ServedModel> models = server.Models.Snapshot();
        var text = new PrometheusText();
        foreach ((string name, string type, string help, Func<EngineMetrics, double> value) in EngineSeries)
        {
            text.Family(name, type, help);
            foreach (ServedModel m in models)
            {
                text.Sample(name, value(m.Engine.Metrics), ("model", m.Id));
            }
        }

        text.Family("llmf_requests_total", "counter", "Generations ended in the engine, by outcome.");
        foreach (ServedModel m in models)
        {
            EngineMetrics e = m.Engine.Metrics;
            foreach ((string outcome, long count) in new[] { ("finished", e.RequestsFinished), ("cancelled", e.RequestsCancelled), ("failed", e.RequestsFailed), ("rejected", e.RequestsRejected) })
            {
                text.Sample("llmf_requests_total", count, ("model", m.Id), ("outcome", outcome));
            }
        }

        foreach ((string name, string help, Func<EngineMetrics, LatencyHistogram> histogram) in Histograms)
        {
            text.Family(name, "histogram", help);
            foreach (ServedModel m in models)
            {
                text.Histogram(name, histogram(m.Engine.Metrics), ("model", m.Id));
            }
        }

        WriteMoe(text, models);
        text.Family("llmf_http_requests_total", "counter", "HTTP requests answered, by route and status code.");
        foreach (KeyValuePair<(string Route, int Status), long> c in server.Counters.Snapshot())
        {
            text.Sample("llmf_http_requests_total", c.Value, ("route", c.Key.Route), ("code", c.Key.Status.ToString(CultureInfo.InvariantCulture)));
        }

        text.Family("llmf_http_requests_in_flight", "gauge", "Generation and embedding requests being served now.").Sample("llmf_http_requests_in_flight", server.State.InFlight);
        text.Family("llmf_server_draining", "gauge", "1 while the server shuts down (refusing new work).").Sample("llmf_server_draining", server.State.Draining ? 1 : 0);
        text.Family("llmf_models_loaded", "gauge", "Models being served.").Sample("llmf_models_loaded", models.Count);
        context.Response.ContentType = PrometheusText.ContentType;
        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    /// <summary>Expert statistics and placement of the MoE models (none for dense models).</summary>
    private static void WriteMoe(PrometheusText text, IReadOnlyList<ServedModel> models)
    {
        var moe = models.Where(m => m.Engine.Moe is not null).Select(m => (m.Id, Moe: m.Engine.Moe!)).ToList();
        if (moe.Count == 0)
        {
            return;
        }

        text.Family("llmf_moe_expert_tokens_total", "counter", "Tokens routed to each expert since the counts began, by MoE layer and expert.");
        foreach ((string id, MoeRuntime r) in moe)
        {
            ExpertLoad load = r.Counter.Snapshot();
            for (int l = 0; l < load.MoeLayerCount; l++)
            {
                ReadOnlySpan<long> counts = load.TotalOfLayer(l);
                for (int e = 0; e < counts.Length; e++)
                {
                    text.Sample("llmf_moe_expert_tokens_total", counts[e], ("model", id), ("layer", l.ToString(CultureInfo.InvariantCulture)), ("expert", e.ToString(CultureInfo.InvariantCulture)));
                }
            }
        }

        foreach ((string name, string type, string help, Func<MoeRuntime, double> value) in MoeSeries)
        {
            text.Family(name, type, help);
            foreach ((string id, MoeRuntime r) in moe)
            {
                text.Sample(name, value(r), ("model", id), ("scheduler", r.SchedulerName));
            }
        }

        WriteDeviceLoad(text, moe);
    }

    /// <summary>Entries each expert device computed and the measured balancedness (models with Moe:Devices above 1).</summary>
    private static void WriteDeviceLoad(PrometheusText text, List<(string Id, MoeRuntime Moe)> moe)
    {
        var devices = moe.Where(m => m.Moe.DeviceLoad is not null).Select(m => (m.Id, Load: m.Moe.DeviceLoad!, m.Moe.SchedulerName)).ToList();
        if (devices.Count == 0)
        {
            return;
        }

        text.Family("llmf_moe_device_entries_total", "counter", "Routed (token, expert) entries each expert device computed since the counts began.");
        foreach ((string id, DeviceLoadCounter load, _) in devices)
        {
            for (int d = 0; d < load.DeviceCount; d++)
            {
                text.Sample("llmf_moe_device_entries_total", load.Entries(d), ("model", id), ("device", d.ToString(CultureInfo.InvariantCulture)));
            }
        }

        text.Family("llmf_moe_measured_balancedness", "gauge", "Mean / max entries computed per expert device over the routing window (1 = even), as executed.");
        foreach ((string id, DeviceLoadCounter load, string scheduler) in devices)
        {
            text.Sample("llmf_moe_measured_balancedness", load.Balancedness, ("model", id), ("scheduler", scheduler));
        }
    }
}
