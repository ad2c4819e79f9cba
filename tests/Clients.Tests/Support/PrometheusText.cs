using System.Globalization;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>Samples of a Prometheus text exposition: "name{labels} value" lines (comments skipped).</summary>
internal sealed class PrometheusText
{
    private readonly List<(string Name, string Labels, double Value)> _samples = [];

    private PrometheusText()
    {
    }

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client)
    {
        string text = await client.GetStringAsync(new Uri("metrics", UriKind.Relative));
        var result = new PrometheusText();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            string key = line[..space];
            double value = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            int brace = key.IndexOf('{', StringComparison.Ordinal);
            result._samples.Add(brace < 0 ? (key, "", value) : (key[..brace], key[brace..], value));
        }

        return result;
    }

    /// <summary>
    /// The sum over all label sets of metric <paramref name="name"/> (only those containing <paramref name="label"/>,
    /// e.g. <c>outcome="failed"</c>, when given); fails when there is no such metric.
    /// </summary>
    public double Sum(string name, string? label = null)
    {
        var matching = _samples.Where(s => s.Name == name && (label is null || s.Labels.Contains(label, StringComparison.Ordinal))).ToList();
        Assert.True(matching.Count > 0, $"metric {name}{(label is null ? "" : "{" + label + "}")} is not exposed; exposed: {string.Join(", ", _samples.Select(s => s.Name).Distinct())}");
        return matching.Sum(s => s.Value);
    }
}
