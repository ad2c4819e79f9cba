using System.Text.Json;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>Small queries and waits against a running host, shared by the test classes.</summary>
internal static class ServerWaits
{
    /// <summary>The id of the first model GET /v1/models lists.</summary>
    public static async Task<string> FirstModelIdAsync(HttpClient client)
    {
        using JsonDocument models = JsonDocument.Parse(await client.GetStringAsync(new Uri("v1/models", UriKind.Relative)));
        return models.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 30 s; fails with <paramref name="describe"/>'s text when it never holds.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, Func<Task<string>> describe)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail(await describe());
            }

            await Task.Delay(100);
        }
    }

    /// <summary>As <see cref="HoldsAsync(Func{Task{bool}}, Func{Task{string}})"/>, failing with "timed out waiting until <paramref name="what"/>".</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what) =>
        HoldsAsync(condition, () => Task.FromResult($"timed out waiting until {what}"));
}
