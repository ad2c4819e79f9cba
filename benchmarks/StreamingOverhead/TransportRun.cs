namespace LlmFramework.Benchmarks.StreamingOverhead;

/// <summary>What one transport cost over a set of identical generations.</summary>
/// <param name="Transport">"SSE (JSON)" or "MessagePack".</param>
/// <param name="Tokens">Tokens received.</param>
/// <param name="WireBytes">Response body bytes received.</param>
/// <param name="WallSeconds">Wall time of all requests.</param>
/// <param name="ClientCpuSeconds">CPU time of this (client) process while reading.</param>
/// <param name="ServerCpuSeconds">CPU time of the host process over the same span (generation included).</param>
internal sealed record TransportRun(string Transport, long Tokens, long WireBytes, double WallSeconds, double ClientCpuSeconds, double ServerCpuSeconds)
{
    public double BytesPerToken => (double)WireBytes / Tokens;

    public double ClientMicrosecondsPerToken => ClientCpuSeconds * 1e6 / Tokens;

    public double ServerMicrosecondsPerToken => ServerCpuSeconds * 1e6 / Tokens;
}
