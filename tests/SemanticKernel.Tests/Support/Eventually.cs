namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>Waits for a condition that another thread (the engine's step loop) makes true.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (started.ElapsedMilliseconds > timeoutMs)
            {
                Assert.Fail($"not within {timeoutMs} ms: {what}");
            }

            await Task.Delay(10);
        }
    }
}
