using System.Diagnostics;

namespace LlmFramework.Host.Tests.Support;

/// <summary>Polling waits with a generous deadline, for things that happen on other threads (file watchers, engine steps).</summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> and <paramref name="diagnostics"/> after <paramref name="timeout"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}{(diagnostics is null ? "" : "\n" + diagnostics())}");
            }

            await Task.Delay(20);
        }
    }
}
