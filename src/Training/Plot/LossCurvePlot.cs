using System.Globalization;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Plot;

/// <summary>
/// The loss curve of a run as a PNG: training loss per step (light), its moving average (blue), held-out evaluations
/// (red dots), with axes labelled by step and loss.
/// </summary>
public static class LossCurvePlot
{
    private static readonly (byte, byte, byte) Axis = (40, 40, 40);
    private static readonly (byte, byte, byte) Grid = (225, 225, 225);
    private static readonly (byte, byte, byte) Raw = (170, 200, 235);
    private static readonly (byte, byte, byte) Smooth = (20, 80, 180);
    private static readonly (byte, byte, byte) HeldOut = (210, 40, 40);

    /// <summary>Draws <paramref name="log"/> into a 960 x 560 PNG at <paramref name="path"/>.</summary>
    public static void Write(string path, TrainingLog log, string title)
    {
        ArgumentNullException.ThrowIfNull(log);
        const int width = 960, height = 560, left = 90, right = 30, top = 60, bottom = 70;
        var image = new PngImage(width, height);
        int plotWidth = width - left - right, plotHeight = height - top - bottom;
        int steps = Math.Max(1, log.Losses.Count);
        var values = log.Losses.Select(l => (double)l).Concat(log.Evaluations.Select(e => e.Loss)).Where(double.IsFinite).ToList();
        double low = values.Count > 0 ? Math.Floor(values.Min() * 2) / 2 : 0;
        double high = values.Count > 0 ? Math.Ceiling(Percentile(values, 0.995) * 2) / 2 : 1;
        if (high <= low)
        {
            high = low + 1;
        }

        int X(double step) => left + (int)Math.Round(step / steps * plotWidth);
        int Y(double loss) => top + (int)Math.Round((1 - ((Math.Clamp(loss, low, high) - low) / (high - low))) * plotHeight);

        for (int i = 0; i <= 5; i++)
        {
            double loss = low + ((high - low) * i / 5);
            int y = Y(loss);
            image.Line(left, y, left + plotWidth, y, Grid);
            string label = loss.ToString("F1", CultureInfo.InvariantCulture);
            image.Text(left - 10 - PngImage.TextWidth(label), y - 7, label, Axis);
            double step = (double)steps * i / 5;
            int x = X(step);
            image.Line(x, top, x, top + plotHeight, Grid);
            string stepLabel = ((int)step).ToString(CultureInfo.InvariantCulture);
            image.Text(x - (PngImage.TextWidth(stepLabel) / 2), top + plotHeight + 10, stepLabel, Axis);
        }

        image.Line(left, top, left, top + plotHeight, Axis, 2);
        image.Line(left, top + plotHeight, left + plotWidth, top + plotHeight, Axis, 2);
        for (int s = 1; s < log.Losses.Count; s++)
        {
            image.Line(X(s - 1), Y(log.Losses[s - 1]), X(s), Y(log.Losses[s]), Raw);
        }

        int window = Math.Max(1, log.Losses.Count / 50);
        double? previous = null;
        for (int s = 0; s < log.Losses.Count; s++)
        {
            double mean = 0;
            int from = Math.Max(0, s - window + 1);
            for (int k = from; k <= s; k++)
            {
                mean += log.Losses[k];
            }

            mean /= s - from + 1;
            if (previous is double p)
            {
                image.Line(X(s - 1), Y(p), X(s), Y(mean), Smooth, 2);
            }

            previous = mean;
        }

        foreach (EvalPoint point in log.Evaluations)
        {
            image.Dot(X(point.Step), Y(point.Loss), HeldOut, 7);
        }

        image.Text(left, 18, title, Axis);
        image.Text(left + (plotWidth / 2) - 24, height - 30, "step", Axis);
        image.Text(8, top - 30, "loss", Axis);
        int legend = left + plotWidth - 330;
        image.Line(legend, top + 14, legend + 24, top + 14, Smooth, 2);
        image.Text(legend + 32, top + 7, "train (mean)", Axis);
        image.Dot(legend + 12, top + 38, HeldOut, 7);
        image.Text(legend + 32, top + 31, "held-out", Axis);
        image.Save(path);
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[Math.Clamp((int)(fraction * (sorted.Count - 1)), 0, sorted.Count - 1)];
    }
}
