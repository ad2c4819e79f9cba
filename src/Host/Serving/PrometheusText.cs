using System.Globalization;
using System.Text;
using LlmFramework.Engine.Metrics;

namespace LlmFramework.Host.Serving;

/// <summary>
/// Writes metrics in the Prometheus text exposition format (version 0.0.4): one <c># HELP</c> and <c># TYPE</c> line per
/// family, then its samples, label values escaped; histograms as cumulative <c>_bucket{le=..}</c> lines with
/// <c>_sum</c> and <c>_count</c>.
/// </summary>
internal sealed class PrometheusText
{
    /// <summary>The exposition format's content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>Starts a family.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample: <paramref name="labels"/> are name/value pairs.</summary>
    public PrometheusText Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        _text.Append(name);
        AppendLabels(labels);
        _text.Append(' ').Append(Number(value)).Append('\n');
        return this;
    }

    /// <summary>A histogram's samples (after its <see cref="Family"/> line with type "histogram").</summary>
    public PrometheusText Histogram(string name, LatencyHistogram histogram, params (string Name, string Value)[] labels)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long[] cumulative = histogram.CumulativeCounts();
        IReadOnlyList<double> bounds = histogram.Bounds;
        var withLe = new (string Name, string Value)[labels.Length + 1];
        labels.CopyTo(withLe, 0);
        for (int i = 0; i <= bounds.Count; i++)
        {
            withLe[^1] = ("le", i < bounds.Count ? Number(bounds[i]) : "+Inf");
            Sample(name + "_bucket", cumulative[i], withLe);
        }

        Sample(name + "_sum", histogram.Sum, labels);
        Sample(name + "_count", cumulative[^1], labels);
        return this;
    }

    public override string ToString() => _text.ToString();

    private void AppendLabels((string Name, string Value)[] labels)
    {
        if (labels.Length == 0)
        {
            return;
        }

        _text.Append('{');
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                _text.Append(',');
            }

            _text.Append(labels[i].Name).Append("=\"")
                .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }

        _text.Append('}');
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
